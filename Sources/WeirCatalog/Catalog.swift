import WeirAlgorithm
import WeirDeepAR
import WeirFactorizationMachines
import WeirIPInsights
import WeirKMeans
import WeirKNN
import WeirLinearLearner
import WeirPCA
import WeirRCF
import WeirStatistics
import WeirXGBoost

extension AlgorithmCatalog {
    /// Every algorithm this build knows. The one place that names them all: adding an
    /// algorithm is its folder under Sources/Algorithms and one line here.
    public static let weir = AlgorithmCatalog([
        CatalogEntry(RandomCutForestAlgorithm.self),
        CatalogEntry(IPInsightsAlgorithm.self),
        CatalogEntry(DeepARAlgorithm.self),
        CatalogEntry(StatisticsAlgorithm.self),
        CatalogEntry(KMeansAlgorithm.self),
        CatalogEntry(PCAAlgorithm.self),
        CatalogEntry(KNNAlgorithm.self),
        CatalogEntry(LinearLearnerAlgorithm.self),
        CatalogEntry(FactorizationMachinesAlgorithm.self),
        CatalogEntry(XGBoostAlgorithm.self),
    ])
}

/// DeepAR's settings under SageMaker's names (`time_freq`, `context_length`,
/// `prediction_length`, `num_cells`, `num_layers`, `likelihood`, `dropout_rate`,
/// `embedding_dimension`, `cardinality`, `num_dynamic_feat`), and the network input they
/// imply: per time step the lagged values (scaled), the date features of the frequency,
/// the series' age, its dynamic features, its category embeddings and its log scale.
public struct DeepARConfiguration: Sendable, Equatable {
    public enum LikelihoodKind: String, Sendable, CaseIterable {
        case studentT = "student-t"
        case gaussian
        case negativeBinomial = "negative-binomial"
        case beta
        case deterministicL1 = "deterministic-l1"

        /// SageMaker's spellings (`student-T`, `deterministic-L1`), any case.
        public init?(sageMakerName: String) {
            self.init(rawValue: sageMakerName.lowercased())
        }

        /// Whether the likelihood sees values divided by the window's scale (the negative
        /// binomial maps its parameters to the series' scale instead; beta values need none).
        public var usesScaledValues: Bool { self == .studentT || self == .gaussian || self == .deterministicL1 }
    }

    public var frequency: TimeFrequency
    public var contextLength: Int
    public var predictionLength: Int
    public var cells = 40
    public var layers = 2
    public var likelihood = LikelihoodKind.studentT
    public var dropoutRate = 0.1
    public var embeddingDimension = 10
    /// Categories per `cat` feature (empty: none).
    public var cardinality: [Int] = []
    public var dynamicFeatures = 0

    public init(frequency: TimeFrequency, contextLength: Int, predictionLength: Int) {
        self.frequency = frequency
        self.contextLength = contextLength
        self.predictionLength = predictionLength
    }

    /// Lags of the frequency; none longer than the longest history a window carries
    /// beyond its context (GluonTS caps them at 1,200).
    public var lags: [Int] { frequency.lags() }

    public var inputSize: Int {
        lags.count + frequency.dateFeatures.count + 1 + dynamicFeatures + cardinality.count * embeddingDimension + 1
    }

    /// How many parameters the output head produces per step.
    public var headWidth: Int {
        switch likelihood {
        case .studentT: return 3
        case .gaussian, .negativeBinomial, .beta: return 2
        case .deterministicL1: return 1
        }
    }
}

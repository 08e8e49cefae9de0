import WeirAlgorithm
import WeirCore

/// Builds the operator chain a topology declares.
public enum OperatorFactory {
    /// `featureNames` are the schema's features (read by operators that take no field list);
    /// `catalog` holds the algorithms `predict` operators can serve.
    public static func make(_ specs: [OperatorSpec], featureNames: [String] = [], catalog: AlgorithmCatalog = AlgorithmCatalog([]))
        -> [any StreamOperator] {
        specs.map { spec -> any StreamOperator in
            switch spec {
            case .filter(let condition): return FilterOperator(condition)
            case .project(let keep, let rename): return ProjectOperator(keep: keep, rename: rename)
            case .keyBy(let field): return KeyByOperator(field: field)
            case .countByKey(let field): return CountByKeyOperator(outputField: field)
            case .randomCutForest(let spec): return RandomCutForestOperator(spec, featureNames: featureNames)
            case .ipInsights(let spec): return IPInsightsOperator(spec)
            case .deepARForecast(let spec): return DeepARForecastOperator(spec)
            case .predict(let spec): return PredictOperator(spec, catalog: catalog, schemaFeatures: featureNames)
            }
        }
    }
}

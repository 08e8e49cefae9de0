import WeirCore

/// Builds the operator chain a topology declares.
public enum OperatorFactory {
    public static func make(_ specs: [OperatorSpec]) -> [any StreamOperator] {
        specs.map { spec -> any StreamOperator in
            switch spec {
            case .filter(let condition): return FilterOperator(condition)
            case .project(let keep, let rename): return ProjectOperator(keep: keep, rename: rename)
            case .keyBy(let field): return KeyByOperator(field: field)
            case .countByKey(let field): return CountByKeyOperator(outputField: field)
            }
        }
    }
}

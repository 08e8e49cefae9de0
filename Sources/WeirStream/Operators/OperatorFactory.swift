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
            case .online(let spec): return onlineOperator(spec, catalog: catalog)
            case .predict(let spec): return PredictOperator(spec, catalog: catalog, schemaFeatures: featureNames)
            }
        }
    }

    /// The generic online operator over the algorithm the spec names, or one that refuses
    /// to open when this build's catalogue lacks it.
    static func onlineOperator(_ spec: OnlineOperatorSpec, catalog: AlgorithmCatalog) -> any StreamOperator {
        guard let entry = try? catalog.entry(named: spec.algorithm), let streamable = entry.streamable else {
            return UnavailableOperator(name: spec.operatorName,
                                       reason: "\(spec.operatorName) needs the \(spec.algorithm) algorithm, which this build's catalogue lacks")
        }
        return makeOnline(streamable.algorithm, spec: spec)
    }

    private static func makeOnline<S: Streamable>(_: S.Type, spec: OnlineOperatorSpec) -> any StreamOperator {
        OnlineModelOperator<S>(spec)
    }
}

/// Stands for an operator this build cannot run: opening it fails with the reason.
final class UnavailableOperator: StreamOperator {
    let name: String
    let reason: String

    init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    func open() throws {
        throw RecordError(.process, reason)
    }

    func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        throw RecordError(.process, reason)
    }
}

/// An algorithm's hyperparameters as typed fields. `schema` lists every parameter (names,
/// types, ranges, defaults, help); `init` reads the validated values once, through typed
/// keys, and checks rules that join several parameters.
public protocol HyperparameterSet: Sendable {
    static var schema: [HyperparameterDefinition] { get }
    init(_ values: Hyperparameters) throws(HyperparameterError)
}

extension HyperparameterSet {
    /// Validates SageMaker's string map against `schema` and reads it into the typed set.
    public static func validated(_ raw: [String: String]) throws(HyperparameterError) -> Self {
        try Self(Hyperparameters(raw, schema: schema))
    }
}

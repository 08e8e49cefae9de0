/// The `predict` operator's settings: which catalogue model answers, which event fields
/// make its request, and where its response goes.
public struct PredictOperatorSpec: Sendable, Equatable {
    /// A model folder written by `weir train` (its `model.json` names the algorithm), a
    /// snapshot file with `algorithm`, or a registry reference.
    public var model: ServedModelSource
    /// The algorithm of a bare snapshot file (a model folder or the registry says it).
    public var algorithm: String?
    /// Fields that make the request, in order: numbers (an array field adds all its
    /// numbers, so a model can read what an earlier `predict` wrote), text fields, or the
    /// fields of a JSON instance. Empty: the schema's features (numeric models) or the
    /// whole event (instance models).
    public var features: [String] = []
    /// Put before every response field added to the event (`pca_` + `projection`).
    public var outputPrefix = ""
    /// How often a model file is checked for a new version.
    public var reloadIntervalMs = 1_000

    public init(model: ServedModelSource) {
        self.model = model
    }
}

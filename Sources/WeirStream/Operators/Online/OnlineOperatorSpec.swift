import WeirAlgorithm
import WeirCore

/// A topology's online operator of a catalogue algorithm (`random_cut_forest`,
/// `deepar_forecast`, `ip_insights`): the settings every such operator takes (model,
/// shadow model, reload, state residency, changelog cadence) and the algorithm's own
/// settings, kept as the topology wrote them and read by the algorithm when the operator
/// opens.
public struct OnlineOperatorSpec: Sendable, Equatable {
    /// The operator's name in the topology.
    public var operatorName: String
    /// The catalogue algorithm that runs it.
    public var algorithm: String
    /// The model; nil runs the algorithm without one where it can (forests learning
    /// each key from scratch).
    public var model: ServedModelSource?
    /// A registry model (its `shadow` stage by default) that scores every record next to
    /// the primary one; its outputs are events of variant `shadow`, for sinks marked so.
    public var shadow: RegistryModelReference?
    /// The version label of outputs when the model is a file or none (nil: the file's
    /// `path@mtime`, or the algorithm's own label such as `online`).
    public var modelVersion: String?
    /// How often a model file is checked for a new version.
    public var reloadIntervalMs = 1_000
    /// Key states kept in memory; the least recently used beyond this are spilled to
    /// `stateDirectory` when set, else forgotten (the key starts afresh).
    public var maxResidentKeys = 10_000
    /// Where spilled and checkpointed key states are kept, one file per key.
    public var stateDirectory: String?
    /// How often changed key states are snapshotted to the changelog (also at hand-offs).
    public var snapshotIntervalMs = 60_000
    /// The algorithm's own settings.
    public var settings: OperatorConfig

    public init(operatorName: String, algorithm: String, model: ServedModelSource?, settings: OperatorConfig = OperatorConfig(JSONObject())) {
        self.operatorName = operatorName
        self.algorithm = algorithm
        self.model = model
        self.settings = settings
    }
}

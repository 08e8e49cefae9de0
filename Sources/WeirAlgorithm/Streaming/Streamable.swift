import WeirCore

/// An algorithm whose models run online in a stream, one state per key (a series' history,
/// a key's forest) or none. The algorithm says how a record updates its key's state and
/// annotates the event, and what verdict it gives; the stream's generic operator owns
/// the rest: model files and registry versions with hot reload and baking, state residency
/// with spill to a state directory, changelog snapshots, hand-off and restore on
/// rebalance, and metrics.
public protocol Streamable: Algorithm {
    /// The operator's own settings, read from its topology entry.
    associatedtype Settings: Sendable
    /// What serves records: the model, or something prepared from it once per version
    /// (a scorer with folded layers, a threshold).
    associatedtype Served
    /// One key's state.
    associatedtype KeyState

    /// The keys of `Settings` in a topology (besides `model`, `shadow`, `model_version`,
    /// `reload_interval_ms`, `max_resident_keys`, `state_dir` and `snapshot_interval_ms`,
    /// which every online operator takes).
    static var settingKeys: [String] { get }
    /// Other spellings of the common keys this operator accepts (`max_series`).
    static var settingAliases: [String: String] { get }
    static func settings(_ config: OperatorConfig) throws(OperatorConfigError) -> Settings

    /// Whether each key keeps a state of its own (false: the operator keeps none).
    static var keepsStatePerKey: Bool { get }
    /// The key whose state an event updates.
    static func stateKey(of event: Event, settings: Settings) throws(RecordError) -> String
    /// Prepares a model for serving, or refuses it with the reason (a model the stream
    /// cannot feed).
    static func serve(_ model: Model, settings: Settings) throws -> Served
    /// What serves when the topology names no model, or the registry serves none yet, and
    /// the version label its outputs carry; nil when the operator needs a model.
    static func modelFree(settings: Settings) -> (served: Served, version: String)?
    /// The feature names a registry snapshot's schema must match (nil: not checked).
    static func schemaFeatures(settings: Settings) -> [String]?
    /// Whether a key's state starts as a copy of the model and learns from there (a forest
    /// seeded by a snapshot): such states follow `on_reload` (`replace` restarts them from
    /// each new version, `keep_online` lets them keep learning), and outputs carry the
    /// version that started them. Otherwise a state is data (a series' history) that any
    /// version serves from.
    static var statesStartFromModel: Bool { get }
    /// The fields of a primary output a shadow output repeats as `primary_<field>`.
    static var shadowComparedFields: [String] { get }
    static func newState(key: String, served: Served, settings: Settings) throws(RecordError) -> KeyState
    /// Whether a state (kept, spilled or handed over) still means something to `served`;
    /// a state that does not is started anew.
    static func state(_ state: KeyState, fits served: Served) -> Bool
    /// Updates the key's state with the event and annotates the event. Throws before
    /// changing the state when the event cannot be used (the record is dead-lettered).
    static func process(_ state: inout KeyState, event: inout Event, served: Served, version: String, settings: Settings)
        throws(RecordError) -> StreamOutcome
    static func encode(state: KeyState) -> [UInt8]
    /// Decodes a state `encode(state:)` wrote; checks it and throws (never traps) on damage.
    static func decode(state bytes: [UInt8], name: String) throws -> KeyState
    /// The extension of a key's file in the state directory.
    static var stateFileExtension: String { get }
    /// A state an earlier release wrote without Weir's key-state frame, and the registry
    /// version that started it (0: none); nil when `bytes` are not such a state.
    static func decodeLegacy(state bytes: [UInt8], name: String) throws -> (state: KeyState, registryVersion: Int)?
}

extension Streamable {
    public static var settingAliases: [String: String] { [:] }
    public static var keepsStatePerKey: Bool { true }
    public static func state(_ state: KeyState, fits served: Served) -> Bool { true }
    public static func modelFree(settings: Settings) -> (served: Served, version: String)? { nil }
    public static func schemaFeatures(settings: Settings) -> [String]? { nil }
    public static var statesStartFromModel: Bool { false }
    public static var shadowComparedFields: [String] { [] }
    public static var stateFileExtension: String { "state" }
    public static func decodeLegacy(state bytes: [UInt8], name: String) throws -> (state: KeyState, registryVersion: Int)? { nil }
}

/// What one record came to: the verdict the guardrail and metrics count, and events to
/// emit after the annotated one (alert copies).
public struct StreamOutcome: Sendable {
    public var verdict: StreamVerdict
    /// The record's score, where the algorithm has one (a shadow model's is compared with it).
    public var score: Double?
    public var extraEvents: [Event]

    public init(_ verdict: StreamVerdict, score: Double? = nil, extraEvents: [Event] = []) {
        self.verdict = verdict
        self.score = score
        self.extraEvents = extraEvents
    }
}

/// A record's verdict: a model decision (counted against a baking version), or no
/// decision and why (`late_point`, `unseen_entity`).
public enum StreamVerdict: Sendable, Equatable {
    case normal
    case anomalous
    case noDecision(String)

    /// The label metrics count it under.
    public var label: String {
        switch self {
        case .normal: return "normal"
        case .anomalous: return "anomalous"
        case .noDecision(let reason): return reason
        }
    }
}

/// The state of an operator that keeps none per key (it scores each record on its own).
public struct NoKeyState: Sendable, Equatable {
    public init() {}
}

extension Streamable where KeyState == NoKeyState {
    public static var keepsStatePerKey: Bool { false }
    public static func stateKey(of event: Event, settings: Settings) throws(RecordError) -> String { "" }
    public static func newState(key: String, served: Served, settings: Settings) -> NoKeyState { NoKeyState() }
    public static func encode(state: NoKeyState) -> [UInt8] { [] }
    public static func decode(state bytes: [UInt8], name: String) throws -> NoKeyState { NoKeyState() }
}

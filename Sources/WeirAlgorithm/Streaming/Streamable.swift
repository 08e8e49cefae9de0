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

    /// The keys of `Settings` in a topology (besides `model`, `reload_interval_ms`,
    /// `max_resident_keys`, `state_dir` and `snapshot_interval_ms`, which every online
    /// operator takes).
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
    static func newState(key: String, served: Served, settings: Settings) -> KeyState
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
}

extension Streamable {
    public static var settingAliases: [String: String] { [:] }
    public static var keepsStatePerKey: Bool { true }
    public static func state(_ state: KeyState, fits served: Served) -> Bool { true }
}

/// What one record came to: the verdict the guardrail and metrics count, and events to
/// emit after the annotated one (alert copies).
public struct StreamOutcome: Sendable {
    public var verdict: StreamVerdict
    public var extraEvents: [Event]

    public init(_ verdict: StreamVerdict, extraEvents: [Event] = []) {
        self.verdict = verdict
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

import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirRegistry

/// Where a stream operator takes its model from in the registry, and what it does when a
/// new version arrives.
public struct RegistryModelReference: Sendable, Equatable {
    /// What a key's forest does when a new version is served.
    public enum ReloadPolicy: String, Sendable, CaseIterable {
        /// Every key's forest is replaced by the new snapshot at its next record (its
        /// thresholder starts afresh): all outputs come from the new version.
        case replace
        /// Keys keep the forests they have (seeded by an earlier version, then learning
        /// online); keys seen for the first time start from the new version.
        case keepOnline = "keep_online"
    }

    public var directory: String
    public var name: String
    public var stage = ModelRegistry.Stage.production
    /// How often the registry is asked for a change (0: before every record).
    public var reloadIntervalMs = 250
    public var policy = ReloadPolicy.replace
    /// Blue/green guardrail for new versions; nil serves them without watching.
    public var baking: Baking?

    /// While a newly served version bakes, the share of records scoring above their
    /// threshold (counted before a lasting anomaly is folded into one report) must stay
    /// within bounds; otherwise the previous version is restored in the registry (the
    /// rollback is audited, and every process serving the model follows it).
    public struct Baking: Sendable, Equatable {
        public var durationMs = 60_000
        public var maxAnomalyRate = 0.05
        /// Records to see before the rate is judged.
        public var minRecords = 200
        /// Mean scoring time per record beyond which the version is rolled back (nil: not watched).
        public var maxMeanLatencyMs: Double?

        public init() {}
    }

    public init(directory: String, name: String) {
        self.directory = directory
        self.name = name
    }
}

/// Follows one model in the registry: polls the stage's version and the model's
/// generation (one small SQLite read), and when they change loads, checks and decodes
/// the new snapshot before anything uses it. A snapshot that fails (damaged, wrong
/// schema, non-finite) is refused with a logged reason and a metric; the version being
/// served stays. Any change the registry records is explicit (a promotion or a rollback),
/// so an older version arriving that way is served too. `Model` is what the operator
/// serves (a forest, an IP Insights scorer), made by `decode` from a checked snapshot.
final class RegistryModelSource<Model> {
    struct Served {
        var version: Int
        var label: String
        var model: Model
    }

    let reference: RegistryModelReference
    let features: [String]?
    private let decode: (SnapshotEnvelope, String) throws -> Model
    private let registry: ModelRegistry
    private let logger = Logger(label: "weir.registry")
    private var generation = -1
    private var nextCheck = ContinuousClock.now
    private(set) var served: Served?
    private(set) var rejections = 0
    private(set) var rollbacks = 0
    /// Why the last version offered was refused (nil once one serves).
    private(set) var lastRefusal: (label: String, reason: String)?
    private let reloaded: Counter
    private let rejected: Counter
    private let rolledBack: Counter

    struct BakingState {
        var version: Int
        var label: String
        var until: ContinuousClock.Instant
        var records = 0
        var anomalies = 0
        var nanoseconds: UInt64 = 0
    }

    private var baking: BakingState?
    /// A version restored by this process's guardrail is not baked again.

    private var restoredByGuardrail: Int?

    init(_ reference: RegistryModelReference, features: [String]?, decode: @escaping (SnapshotEnvelope, String) throws -> Model) throws {
        self.reference = reference
        self.features = features
        self.decode = decode
        // Only a guardrail (baking) writes: it rolls a bad version back.
        registry = try ModelRegistry(directory: reference.directory, access: reference.baking == nil ? .follow : .write)
        reloaded = Counter(label: "weir_model_reloads_total", dimensions: [("model", reference.name)])
        rejected = Counter(label: "weir_model_rejections_total", dimensions: [("model", reference.name)])
        rolledBack = Counter(label: "weir_model_guardrail_rollbacks_total", dimensions: [("model", reference.name)])
    }

    /// Checks the registry if the interval has passed; true when a new version is served.
    func poll() -> Bool {
        if reference.reloadIntervalMs > 0 {
            let now = ContinuousClock.now
            guard now >= nextCheck else { return false }
            nextCheck = now + .milliseconds(reference.reloadIntervalMs)
        }
        return check()
    }

    /// Reads the registry now; true when a new version is served.
    @discardableResult
    func check() -> Bool {
        let current: (version: ModelRegistry.Version?, generation: Int)
        do {
            current = try registry.current(reference.name, stage: reference.stage)
        } catch {
            logger.warning("cannot read the registry", metadata: ["model": "\(reference.name)", "error": "\(error)"])
            return false
        }
        if generation == -1 && current.version == nil {
            logger.warning("the registry serves no version of this model yet",
                           metadata: ["model": "\(reference.name)", "stage": "\(reference.stage.rawValue)", "registry": "\(reference.directory)"])
        }
        guard current.generation != generation else { return false }
        generation = current.generation
        guard let version = current.version, version.version != served?.version else { return false }
        do {
            let envelope = try registry.load(reference.name, version: version.version)
            let model = try decode(envelope, version.label)
            let replacing = served != nil
            served = Served(version: version.version, label: version.label, model: model)
            if let rules = reference.baking, replacing, restoredByGuardrail != version.version {
                baking = BakingState(version: version.version, label: version.label, until: ContinuousClock.now + .milliseconds(rules.durationMs))
            } else {
                baking = nil
            }
            reloaded.increment()
            lastRefusal = nil
            logger.info("serving a new model version", metadata: ["model": "\(version.label)"])
            return true
        } catch {
            lastRefusal = (version.label, "\(error)")
            rejections += 1
            rejected.increment()
            logger.error("refused a model version; the current one keeps serving",
                         metadata: ["model": "\(version.label)", "serving": "\(served?.label ?? "none")", "reason": "\(error)"])
            return false
        }
    }

    /// Counts one scored record against a baking version; rolls back when its anomaly
    /// rate leaves the bounds.
    func observe(anomaly: Bool, nanoseconds: UInt64 = 0) {
        guard var state = baking, let rules = reference.baking else { return }
        if ContinuousClock.now >= state.until {
            logger.info("new model version baked without alarms", metadata: ["model": "\(state.label)", "records": "\(state.records)"])
            baking = nil
            return
        }
        state.records += 1
        state.nanoseconds += nanoseconds
        if anomaly { state.anomalies += 1 }
        baking = state
        guard state.records >= rules.minRecords else { return }
        let rate = Double(state.anomalies) / Double(state.records)
        let meanMs = Double(state.nanoseconds) / Double(state.records) / 1e6
        let reason: String
        if rate > rules.maxAnomalyRate {
            reason = "guardrail: anomaly rate \(rate) above \(rules.maxAnomalyRate) over \(state.records) records while \(state.label) baked"
        } else if let bound = rules.maxMeanLatencyMs, meanMs > bound {
            reason = "guardrail: mean scoring time \(meanMs) ms above \(bound) ms over \(state.records) records while \(state.label) baked"
        } else {
            return
        }
        baking = nil
        do {
            if let restored = try registry.rollback(reference.name, actor: "weir guardrail", reason: reason, ifServing: state.version) {
                restoredByGuardrail = restored.version
                rollbacks += 1
                rolledBack.increment()
                logger.error("rolled back a new model version", metadata: ["from": "\(state.label)", "to": "\(restored.label)", "reason": "\(reason)"])
            }
        } catch {
            logger.error("guardrail could not roll back", metadata: ["model": "\(state.label)", "error": "\(error)"])
        }
        check()
    }
}

/// Decodes a registry snapshot for a stream operator: the algorithm it must be, the
/// model's own checks (magic, checksum, shapes, finite values), and the consumer's
/// feature names against the snapshot's schema.
enum RegistrySnapshot {
    static func model<M: ModelSnapshot>(_: M.Type, algorithm: String, envelope: SnapshotEnvelope, label: String,
                                        features: [String]?) throws -> M {
        guard envelope.algorithm == algorithm else { throw SnapshotError(input: label, "is a \(envelope.algorithm) model, not \(algorithm)") }
        let model = try M(snapshot: envelope.payload, name: label)
        if let features, let inputs = model.inputCount {
            try SnapshotValidator.checkSchema(envelope, features: features, inputs: inputs)
        }
        return model
    }
}

import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirCore
import WeirRegistry

/// The stream operator of every `Streamable` catalogue algorithm. The algorithm updates a
/// key's state and annotates the event; this operator owns everything around it:
/// - the model: a model folder or file (reloaded when it changes) or a registry version
///   (hot reload, and `baking`, fed by each record's verdict and measured scoring time);
///   a model that fails its checks leaves the current one serving;
/// - key states, per input partition so a key sees its records in order: at most
///   `max_resident_keys` in memory, the least recently used spilled to `state_dir` (or
///   forgotten without one) and read back when their key returns; checkpoints write the
///   changed ones;
/// - hand-off: changed keys are snapshotted to the changelog; a process taking a partition
///   over restores them and skips the records they already learned;
/// - metrics: records, verdicts and scoring time per operator.
public final class OnlineModelOperator<S: Streamable>: KeyedStateOperator {
    public let name: String
    public let spec: OnlineOperatorSpec
    private let logger: Logger
    /// The settings, read at open (boxed: a class reference costs no metadata lookup in
    /// this unspecialised code, an optional of a generic type does, per record).
    private var settingsBox: Box<S.Settings>?
    private var model: ModelSubscription<S.Served>?
    private let store: DetectorStateDirectory?
    private var resident: [StateKey: Entry] = [:]
    /// The one state of an algorithm that keeps none per key.
    private var shared: Box<S.KeyState>?
    private var clock: Int64 = 0
    private var changedKeys: [PartitionID: Set<String>] = [:]
    /// Per key restored from the changelog, the input offset its state has learned up to.
    private var learnedThrough: [StateKey: Int64] = [:]
    /// Key states read back from the state directory, evicted, and started since open.
    public private(set) var restoredCount = 0, evictedCount = 0, createdCount = 0
    private let records: Counter
    private let normal: Counter
    private let anomalous: Counter
    /// Counters of records with no decision, by reason, made once each.
    private var noDecisions: [String: Counter] = [:]
    private var normalCount = 0, anomalousCount = 0
    private var noDecisionCounts: [String: Int] = [:]

    /// Records per verdict label since open (`normal`, `anomalous`, or why no decision).
    public var verdictCounts: [String: Int] {
        noDecisionCounts.merging([("normal", normalCount), ("anomalous", anomalousCount)]) { $1 }
    }
    private let scoring: Metrics.Timer

    struct StateKey: Hashable {
        var partition: PartitionID
        var key: String
    }

    struct Entry {
        var state: S.KeyState
        var lastUsed: Int64
        var dirty: Bool
    }

    public init(_ spec: OnlineOperatorSpec) {
        self.spec = spec
        name = spec.operatorName
        logger = Logger(label: "weir.\(spec.operatorName)")
        store = spec.stateDirectory.map { DetectorStateDirectory(path: $0, fileExtension: "state") }
        records = Counter(label: "weir_online_records_total", dimensions: [("operator", spec.operatorName)])
        scoring = Metrics.Timer(label: "weir_online_scoring_seconds", dimensions: [("operator", spec.operatorName)])
        normal = Counter(label: "weir_online_verdicts_total", dimensions: [("operator", spec.operatorName), ("verdict", "normal")])
        anomalous = Counter(label: "weir_online_verdicts_total", dimensions: [("operator", spec.operatorName), ("verdict", "anomalous")])
    }

    /// Key states in memory now.
    public var residentCount: Int { resident.count }
    /// Model versions the registry served that this operator refused.
    public var modelRejections: Int { model?.rejections ?? 0 }
    /// New versions this process's guardrail rolled back.
    public var guardrailRollbacks: Int { model?.rollbacks ?? 0 }

    public func open() throws {
        let settings: S.Settings
        do { settings = try S.settings(spec.settings) } catch {
            throw RecordError(.process, field: error.key, "\(name): \(error.message)")
        }
        settingsBox = Box(settings)
        model = try ModelSubscription<S.Served>(
            spec.model, fileName: S.info.modelFile, reloadIntervalMs: spec.reloadIntervalMs,
            decodeFile: { bytes, file in try S.serve(try S.Model(snapshot: bytes, name: file), settings: settings) },
            decodeEnvelope: { envelope, label in
                try S.serve(try RegistrySnapshot.model(S.Model.self, algorithm: S.info.name, envelope: envelope, label: label, features: nil),
                            settings: settings)
            })
        if let version = model?.served?.version { logger.info("serving a model", metadata: ["model": "\(version)"]) }
    }

    /// Key states that mean nothing to a new model start anew.
    private func dropStatesThatDoNotFit(_ served: S.Served, version: String) {
        let before = resident.count
        resident = resident.filter { S.state($0.value.state, fits: served) }
        if let state = shared, !S.state(state.value, fits: served) { shared = nil }
        logger.info("serving a model", metadata: ["model": "\(version)", "states_reset": "\(before - resident.count)"])
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var event = consume event
        guard let subscription = model, let settings = settingsBox?.value else {
            throw RecordError(.process, "\(name) is not open")
        }
        let changed = subscription.refresh()
        guard let current = subscription.served else {
            throw RecordError(.process, "no \(S.info.name) model is served yet (the registry has no version in its stage)")
        }
        let served = current.model, modelVersion = current.version
        if changed { dropStatesThatDoNotFit(served, version: modelVersion) }
        let started = ContinuousClock.now
        let outcome: StreamOutcome
        if S.keepsStatePerKey {
            let key = try S.stateKey(of: event, settings: settings)
            let stateKey = StateKey(partition: PartitionID(topic: event.origin.topic, partition: event.origin.partition), key: key)
            if let through = learnedThrough[stateKey] {
                // Already in the restored state: learning it again would count it twice.
                guard event.origin.offset >= through else {
                    output.append(event)
                    return
                }
                learnedThrough[stateKey] = nil
            }
            var state = try state(for: stateKey, served: served, settings: settings)
            outcome = try S.process(&state, event: &event, served: served, version: modelVersion, settings: settings)
            clock += 1
            resident[stateKey] = Entry(state: state, lastUsed: clock, dirty: true)
            changedKeys[stateKey.partition, default: []].insert(key)
        } else {
            let box = shared ?? Box(S.newState(key: "", served: served, settings: settings))
            shared = box
            outcome = try S.process(&box.value, event: &event, served: served, version: modelVersion, settings: settings)
        }
        let nanoseconds = started.nanosecondsElapsed
        records.increment()
        scoring.recordNanoseconds(Int64(clamping: nanoseconds))
        switch outcome.verdict {
        case .normal:
            normal.increment()
            normalCount += 1
            subscription.observe(anomaly: false, nanoseconds: nanoseconds)
        case .anomalous:
            anomalous.increment()
            anomalousCount += 1
            subscription.observe(anomaly: true, nanoseconds: nanoseconds)
        case .noDecision(let reason):
            noDecisionCounts[reason, default: 0] += 1
            if let counter = noDecisions[reason] {
                counter.increment()
            } else {
                let counter = Counter(label: "weir_online_verdicts_total", dimensions: [("operator", name), ("verdict", reason)])
                noDecisions[reason] = counter
                counter.increment()
            }
        }
        output.append(event)
        output.append(contentsOf: outcome.extraEvents)
        if resident.count > spec.maxResidentKeys { evictLeastRecentlyUsed() }
    }

    /// The key's state: resident, read back from the state directory, or new.
    private func state(for key: StateKey, served: S.Served, settings: S.Settings) throws(RecordError) -> S.KeyState {
        if let entry = resident[key] { return entry.state }
        if let store, let bytes = store.load(partition: key.partition, key: key.key) {
            do {
                let state = try S.decode(state: try KeyStateFrame.body(bytes, algorithm: S.info.name, name: store.file(partition: key.partition, key: key.key)),
                                         name: key.key)
                restoredCount += 1
                if S.state(state, fits: served) { return state }
            } catch {
                throw RecordError(.process, "cannot restore the state of key '\(key.key.prefix(60))': \(error)")
            }
        }
        createdCount += 1
        return S.newState(key: key.key, served: served, settings: settings)
    }

    /// Evicts the least recently used tenth of the states (at least the excess), saving
    /// changed ones to the state directory.
    private func evictLeastRecentlyUsed() {
        let batch = max(resident.count - spec.maxResidentKeys, spec.maxResidentKeys / 10, 1)
        for key in resident.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }).prefix(batch).map(\.key) {
            guard let entry = resident[key] else { continue }
            if entry.dirty, let store {
                do {
                    try store.save(KeyStateFrame.frame(S.encode(state: entry.state), algorithm: S.info.name), partition: key.partition, key: key.key)
                } catch {
                    // Keep the state rather than lose it; the next eviction tries again.
                    logger.error("cannot save an evicted key state", metadata: ["key": "\(key.key)", "error": "\(error)"])
                    continue
                }
            }
            resident[key] = nil
            evictedCount += 1
        }
    }

    /// Saves every key state that changed since the last checkpoint.
    public func checkpoint() throws {
        guard let store else { return }
        for (key, entry) in resident where entry.dirty {
            try store.save(KeyStateFrame.frame(S.encode(state: entry.state), algorithm: S.info.name), partition: key.partition, key: key.key)
            resident[key]?.dirty = false
        }
    }

    public func close() throws {
        try checkpoint()
    }

    public var snapshotIntervalMs: Int { spec.snapshotIntervalMs }

    public func takeChangedKeys(partition: PartitionID) -> [String] {
        defer { changedKeys[partition] = nil }
        return (changedKeys[partition] ?? []).sorted()
    }

    public func snapshot(partition: PartitionID, key: String) throws -> [UInt8]? {
        if let entry = resident[StateKey(partition: partition, key: key)] {
            return KeyStateFrame.frame(S.encode(state: entry.state), algorithm: S.info.name)
        }
        return store?.load(partition: partition, key: key)
    }

    /// With a state directory the restored state goes there (read when its key returns),
    /// so taking over many keys does not fill memory; without one it stays resident.
    public func restore(partition: PartitionID, key: String, nextOffset: Int64, from bytes: [UInt8]) throws {
        let stateKey = StateKey(partition: partition, key: key)
        let state = try S.decode(state: try KeyStateFrame.body(bytes, algorithm: S.info.name, name: "changelog state of '\(key)' in \(partition)"),
                                 name: key)
        learnedThrough[stateKey] = nextOffset
        if let store {
            try store.save(bytes, partition: partition, key: key)
            resident[stateKey] = nil
        } else {
            clock += 1
            resident[stateKey] = Entry(state: state, lastUsed: clock, dirty: false)
            if resident.count > spec.maxResidentKeys { evictLeastRecentlyUsed() }
        }
    }

    /// Forgets a partition's states; with a state directory the changed ones are saved first.
    public func drop(partition: PartitionID) {
        for (key, entry) in resident where key.partition == partition {
            if entry.dirty, let store {
                try? store.save(KeyStateFrame.frame(S.encode(state: entry.state), algorithm: S.info.name), partition: key.partition, key: key.key)
            }
            resident[key] = nil
        }
        for key in learnedThrough.keys where key.partition == partition { learnedThrough[key] = nil }
        changedKeys[partition] = nil
    }
}

/// An operator that counts the verdicts its records came to.
public protocol VerdictReporting {
    var verdictCounts: [String: Int] { get }
}

extension OnlineModelOperator: VerdictReporting {}

/// A value behind a class reference (see `settingsBox`).
final class Box<Value> {
    var value: Value

    init(_ value: Value) {
        self.value = value
    }
}

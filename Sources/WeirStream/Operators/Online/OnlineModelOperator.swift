import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirCore
import WeirRegistry

/// The stream operator of every `Streamable` catalogue algorithm. The algorithm updates a
/// key's state and annotates the event; this operator owns everything around it:
/// - the model: a model folder or file (reloaded when it changes), a registry version
///   (hot reload, `on_reload: replace` or `keep_online` for states that start from the
///   model, and `baking`, fed by each record's verdict and measured scoring time), or
///   none where the algorithm runs without one; a model that fails its checks leaves the
///   current one serving;
/// - a shadow model that scores every record beside the primary one, its outputs of
///   variant `shadow` carrying the primary's results, compared as it goes;
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
    private var shared: Box<Entry>?
    private var clock: Int64 = 0
    private var changedKeys: [PartitionID: Set<String>] = [:]
    /// Per key restored from the changelog, the input offset its state has learned up to.
    private var learnedThrough: [StateKey: Int64] = [:]
    /// Per key re-reading records its restored state has learned, the copy that scores them.
    private var replayCopies: [StateKey: S.KeyState] = [:]
    /// Key states read back from the state directory, evicted, and started since open.
    public private(set) var restoredCount = 0, evictedCount = 0, createdCount = 0
    private let records: Counter
    private let normal: Counter
    private let anomalous: Counter
    /// Counters of records with no decision, by reason, made once each.
    private var noDecisions: [String: Counter] = [:]
    private var normalCount = 0, anomalousCount = 0
    private var noDecisionCounts: [String: Int] = [:]
    private let scoring: Metrics.Timer
    /// The shadow model and its per-key states (memory only: a shadow is an experiment).
    private var shadowModel: ModelSubscription<S.Served>?
    private var shadowResident: [StateKey: Entry] = [:]
    private var shadowShared: Box<Entry>?
    public private(set) var shadowComparison = ShadowComparison()
    private let shadowRecords: Counter
    private let shadowAgreements: Counter
    private let shadowLatency: Metrics.Timer
    private let spillFailures: Counter
    /// The last failure to spill an evicted state (the state stayed in memory); the next
    /// checkpoint reports it, so a full or broken `state_dir` stops the stream loudly.
    private var pendingSpillFailure: (any Error)?
    /// Key states that could not be spilled to the state directory since open.
    public private(set) var spillFailureCount = 0
    /// When checkpoints last wrote changed states to the state directory.
    private var lastStateWrite = ContinuousClock.now

    /// Records per verdict label since open (`normal`, `anomalous`, or why no decision).
    public var verdictCounts: [String: Int] {
        noDecisionCounts.merging([("normal", normalCount), ("anomalous", anomalousCount)]) { $1 }
    }

    struct StateKey: Hashable {
        var partition: PartitionID
        var key: String
    }

    /// A key's state, and the model version it started from when states start from the
    /// model (empty: it fits whatever serves).
    struct Entry {
        var state: S.KeyState
        var lastUsed: Int64
        var dirty: Bool
        var seededBy: String
        /// The input offset after the last record the state learned (-1: none known).
        var learnedUntil: Int64 = -1
    }

    public init(_ spec: OnlineOperatorSpec) {
        self.spec = spec
        name = spec.operatorName
        logger = Logger(label: "weir.\(spec.operatorName)")
        store = spec.stateDirectory.map { DetectorStateDirectory(path: $0, fileExtension: S.stateFileExtension) }
        let dimensions = [("operator", spec.operatorName)]
        records = Counter(label: "weir_online_records_total", dimensions: dimensions)
        scoring = Metrics.Timer(label: "weir_online_scoring_seconds", dimensions: dimensions)
        normal = Counter(label: "weir_online_verdicts_total", dimensions: dimensions + [("verdict", "normal")])
        anomalous = Counter(label: "weir_online_verdicts_total", dimensions: dimensions + [("verdict", "anomalous")])
        shadowRecords = Counter(label: "weir_shadow_records_total", dimensions: dimensions)
        shadowAgreements = Counter(label: "weir_shadow_agreements_total", dimensions: dimensions)
        shadowLatency = Metrics.Timer(label: "weir_shadow_scoring_seconds", dimensions: dimensions)
        spillFailures = Counter(label: "weir_state_spill_failures_total", dimensions: dimensions)
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
        let fallback = S.modelFree(settings: settings).map {
            ModelSubscription<S.Served>.Served($0.served, version: spec.modelVersion ?? $0.version)
        }
        if spec.model == nil && fallback == nil {
            throw RecordError(.process, field: "model", "\(name) needs a model (a model folder, file or registry model)")
        }
        model = try subscription(spec.model, fallback: fallback, fileLabel: spec.modelVersion, settings: settings)
        if let version = model?.served?.version { logger.info("serving a model", metadata: ["model": "\(version)"]) }
        if let shadow = spec.shadow {
            shadowModel = try subscription(.registry(shadow), fallback: nil, fileLabel: nil, settings: settings)
        }
    }

    private func subscription(_ source: ServedModelSource?, fallback: ModelSubscription<S.Served>.Served?, fileLabel: String?,
                              settings: S.Settings) throws -> ModelSubscription<S.Served> {
        let features = S.schemaFeatures(settings: settings)
        return try ModelSubscription<S.Served>(
            source, fallback: fallback, fileLabel: fileLabel, fileName: S.info.modelFile, reloadIntervalMs: spec.reloadIntervalMs,
            decodeFile: { bytes, file in try S.serve(try S.Model(snapshot: bytes, name: file), settings: settings) },
            decodeEnvelope: { envelope, label in
                try S.serve(try RegistrySnapshot.model(S.Model.self, algorithm: S.info.name, envelope: envelope, label: label, features: features),
                            settings: settings)
            })
    }

    /// Key states that mean nothing to a new model start anew.
    private func dropStatesThatDoNotFit(_ served: S.Served, version: String) {
        let before = resident.count
        resident = resident.filter { S.state($0.value.state, fits: served) }
        if let entry = shared, !S.state(entry.value.state, fits: served) { shared = nil }
        logger.info("serving a model", metadata: ["model": "\(version)", "states_reset": "\(before - resident.count)"])
    }

    /// Whether `entry` must start again from the version serving now: a state that started
    /// from another version, under `on_reload: replace`.
    private func mustRestart(_ entry: Entry, version: String, policy: RegistryModelReference.ReloadPolicy) -> Bool {
        S.statesStartFromModel && policy == .replace && !entry.seededBy.isEmpty && entry.seededBy != version
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
        let served = current.model, modelVersion = current.version, label = current.label
        if changed { dropStatesThatDoNotFit(served, version: modelVersion) }
        let input = shadowModel == nil ? nil : event
        let started = ContinuousClock.now
        let outcome: StreamOutcome
        let seededBy: String
        if S.keepsStatePerKey {
            let key = try S.stateKey(of: event, settings: settings)
            let stateKey = StateKey(partition: PartitionID(topic: event.origin.topic, partition: event.origin.partition), key: key)
            if let through = learnedThrough[stateKey] {
                // Already in the restored state (an at-least-once re-read): learning it again
                // would count it twice, so it is scored on a throwaway copy of the state.
                guard event.origin.offset >= through else {
                    try scoreAlreadyLearned(&event, key: stateKey, served: served, version: modelVersion, policy: subscription.policy, settings: settings)
                    output.append(event)
                    return
                }
                learnedThrough[stateKey] = nil
                replayCopies[stateKey] = nil
            }
            var entry = try entry(for: stateKey, served: served, version: modelVersion, policy: subscription.policy, settings: settings)
            // A state kept online from an earlier version is labelled with that version.
            let startedFrom = S.statesStartFromModel && entry.seededBy != modelVersion ? entry.seededBy : label
            outcome = try S.process(&entry.state, event: &event, served: served, version: startedFrom, settings: settings)
            clock += 1
            entry.lastUsed = clock
            entry.dirty = true
            entry.learnedUntil = max(entry.learnedUntil, event.origin.offset &+ 1)
            seededBy = entry.seededBy
            resident[stateKey] = entry
            changedKeys[stateKey.partition, default: []].insert(key)
        } else {
            let box: Box<Entry>
            if let kept = shared {
                box = kept
            } else {
                box = Box(Entry(state: try S.newState(key: "", served: served, settings: settings), lastUsed: 0, dirty: false, seededBy: modelVersion))
                shared = box
            }
            outcome = try S.process(&box.value.state, event: &event, served: served, version: label, settings: settings)
            seededBy = modelVersion
        }
        let nanoseconds = started.nanosecondsElapsed
        records.increment()
        scoring.recordNanoseconds(Int64(clamping: nanoseconds))
        // A state started from an earlier version (kept online) does not judge the new one.
        let judgesServed = !S.statesStartFromModel || seededBy == modelVersion
        count(outcome.verdict, nanoseconds: nanoseconds, observeIn: judgesServed ? subscription : nil)
        if let input { shadowScore(input, primary: event, primaryOutcome: outcome, settings: settings, into: &output) }
        output.append(event)
        output.append(contentsOf: outcome.extraEvents)
        if resident.count > spec.maxResidentKeys { evictLeastRecentlyUsed() }
    }

    private func count(_ verdict: StreamVerdict, nanoseconds: UInt64, observeIn subscription: ModelSubscription<S.Served>?) {
        switch verdict {
        case .normal:
            normal.increment()
            normalCount += 1
            subscription?.observe(anomaly: false, nanoseconds: nanoseconds)
        case .anomalous:
            anomalous.increment()
            anomalousCount += 1
            subscription?.observe(anomaly: true, nanoseconds: nanoseconds)
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
    }

    /// Annotates a record the key's restored state has already learned: a copy of the state
    /// (made once per key and recovery) processes it, so the record is scored as a re-read
    /// record should be while the key's real state learns each record once.
    private func scoreAlreadyLearned(_ event: inout Event, key: StateKey, served: S.Served, version: String,
                                     policy: RegistryModelReference.ReloadPolicy, settings: S.Settings) throws(RecordError) {
        var copy: S.KeyState
        if let kept = replayCopies[key] {
            copy = kept
        } else {
            var entry = try entry(for: key, served: served, version: version, policy: policy, settings: settings)
            clock += 1
            entry.lastUsed = clock
            resident[key] = entry
            if resident.count > spec.maxResidentKeys { evictLeastRecentlyUsed() }
            do {
                copy = try S.decode(state: S.encode(state: entry.state), name: "copy of the state of '\(key.key.prefix(60))'")
            } catch {
                throw RecordError(.process, "cannot copy the state of key '\(key.key.prefix(60))': \(error)")
            }
        }
        let seededBy = resident[key]?.seededBy ?? version
        let startedFrom = S.statesStartFromModel && seededBy != version ? seededBy : (model?.served?.label ?? version)
        _ = try S.process(&copy, event: &event, served: served, version: startedFrom, settings: settings)
        // Copies count against the same bound as resident states: past it, one is dropped
        // (made again from the key's state if that key re-reads more).
        if replayCopies[key] == nil, replayCopies.count >= max(spec.maxResidentKeys, 1) {
            replayCopies.remove(at: replayCopies.startIndex)
        }
        replayCopies[key] = copy
    }

    /// The key's state: resident, read back from the state directory, or new (also when
    /// the kept one must restart from the version serving now).
    private func entry(for key: StateKey, served: S.Served, version: String, policy: RegistryModelReference.ReloadPolicy,
                       settings: S.Settings) throws(RecordError) -> Entry {
        if let entry = resident[key], !mustRestart(entry, version: version, policy: policy) { return entry }
        if resident[key] == nil, let entry = try spilledEntry(key, version: version) {
            restoredCount += 1
            if S.state(entry.state, fits: served) && !mustRestart(entry, version: version, policy: policy) { return entry }
        }
        createdCount += 1
        return Entry(state: try S.newState(key: key.key, served: served, settings: settings), lastUsed: clock, dirty: true, seededBy: version)
    }

    /// The key's state read back from the state directory, or nil when none is there.
    private func spilledEntry(_ key: StateKey, version: String) throws(RecordError) -> Entry? {
        guard let store else { return nil }
        do {
            guard let stored = try store.load(partition: key.partition, key: key.key) else { return nil }
            var entry = try decodeEntry(stored.state, name: stored.file, servedVersion: version)
            entry.learnedUntil = stored.learnedUntil ?? -1
            return entry
        } catch {
            throw RecordError(.process, "cannot restore the state of key '\(key.key.prefix(60))': \(error)")
        }
    }

    /// A state from the changelog or the state directory: Weir's key-state frame, or a
    /// state an earlier release wrote. A state that names no starting version fits the
    /// version serving now.
    private func decodeEntry(_ bytes: [UInt8], name: String, servedVersion: String) throws -> Entry {
        if !KeyStateFrame.isFramed(bytes), let legacy = try S.decodeLegacy(state: bytes, name: name) {
            let seededBy = legacy.registryVersion > 0 ? (model?.registryName.map { "\($0):v\(legacy.registryVersion)" } ?? "") : ""
            return Entry(state: legacy.state, lastUsed: clock, dirty: false, seededBy: seededBy.isEmpty ? servedVersion : seededBy)
        }
        let body = try KeyStateFrame.body(bytes, algorithm: S.info.name, name: name)
        return Entry(state: try S.decode(state: body.state, name: name), lastUsed: clock, dirty: false,
                     seededBy: body.seededBy.isEmpty ? servedVersion : body.seededBy)
    }

    private func framed(_ entry: Entry) -> [UInt8] {
        KeyStateFrame.frame(S.encode(state: entry.state), algorithm: S.info.name, seededBy: S.statesStartFromModel ? entry.seededBy : "")
    }

    /// Scores `input` (the event as it arrived) with the shadow model and appends the
    /// shadow event (variant `shadow`): its own results, the primary ones beside them.
    private func shadowScore(_ input: Event, primary: Event, primaryOutcome: StreamOutcome, settings: S.Settings, into output: inout [Event]) {
        guard let shadowModel else { return }
        _ = shadowModel.refresh()
        guard let current = shadowModel.served else { return }
        let started = ContinuousClock.now
        var shadow = input
        let outcome: StreamOutcome
        do {
            if S.keepsStatePerKey {
                let key = StateKey(partition: PartitionID(topic: input.origin.topic, partition: input.origin.partition),
                                   key: try S.stateKey(of: input, settings: settings))
                var entry: Entry
                if let kept = shadowResident[key], kept.seededBy == current.version {
                    entry = kept
                } else {
                    entry = Entry(state: try S.newState(key: key.key, served: current.model, settings: settings), lastUsed: 0, dirty: false,
                                  seededBy: current.version)
                }
                outcome = try S.process(&entry.state, event: &shadow, served: current.model, version: current.label, settings: settings)
                clock += 1
                entry.lastUsed = clock
                shadowResident[key] = entry
                if shadowResident.count > spec.maxResidentKeys {
                    // Shadow states are not kept anywhere: the least recently used go.
                    for victim in Self.leastRecentlyUsed(shadowResident, keep: spec.maxResidentKeys) { shadowResident[victim] = nil }
                }
            } else {
                let box: Box<Entry>
                if let kept = shadowShared, kept.value.seededBy == current.version {
                    box = kept
                } else {
                    box = Box(Entry(state: try S.newState(key: "", served: current.model, settings: settings), lastUsed: 0, dirty: false,
                                    seededBy: current.version))
                    shadowShared = box
                }
                outcome = try S.process(&box.value.state, event: &shadow, served: current.model, version: current.label, settings: settings)
            }
        } catch {
            shadowComparison.errors += 1
            return
        }
        let nanoseconds = started.nanosecondsElapsed
        shadowComparison.records += 1
        shadowComparison.shadowNanoseconds += nanoseconds
        if let score = outcome.score, let primaryScore = primaryOutcome.score {
            shadowComparison.absoluteScoreDifference += abs(score - primaryScore)
        }
        shadowRecords.increment()
        shadowLatency.recordNanoseconds(Int64(clamping: nanoseconds))
        if outcome.verdict == primaryOutcome.verdict {
            shadowComparison.agreements += 1
            shadowAgreements.increment()
        }
        if let version = primary.fields["model_version"] { shadow.fields.set("primary_model_version", version) }
        for field in S.shadowComparedFields {
            if let value = primary.fields[field] { shadow.fields.set("primary_\(field)", value) }
        }
        shadow.headers.append(RecordHeader(RecordHeader.variantName, "shadow"))
        output.append(shadow)
    }

    /// The keys to evict from `table` once it holds more than `keep`: the least recently
    /// used tenth (at least the excess), found with one sort per batch so eviction stays
    /// cheap per record.
    private static func leastRecentlyUsed(_ table: [StateKey: Entry], keep: Int) -> [StateKey] {
        let batch = max(table.count - keep, keep / 10, 1)
        return table.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(batch).map(\.key)
    }

    /// Evicts the least recently used states, saving changed ones to the state directory.
    /// A state that cannot be saved stays in memory (nothing is lost) and the failure is
    /// counted, logged and reported by the next checkpoint.
    private func evictLeastRecentlyUsed() {
        for key in Self.leastRecentlyUsed(resident, keep: spec.maxResidentKeys) {
            guard let entry = resident[key] else { continue }
            if entry.dirty, let store {
                do {
                    try save(entry, key: key, to: store)
                } catch {
                    spillFailed(key, error)
                    continue
                }
            }
            resident[key] = nil
            evictedCount += 1
        }
    }

    private func save(_ entry: Entry, key: StateKey, to store: DetectorStateDirectory) throws {
        try store.save(framed(entry), partition: key.partition, key: key.key, learnedUntil: entry.learnedUntil)
    }

    private func spillFailed(_ key: StateKey, _ error: any Error) {
        spillFailureCount += 1
        spillFailures.increment()
        pendingSpillFailure = error
        logger.error("cannot spill a key state to state_dir; it stays in memory", metadata: ["key": "\(key.key.prefix(60))", "error": "\(error)"])
    }

    /// Called before input offsets are committed. Reports a spill that failed since the
    /// last checkpoint (the stream stops with the reason rather than outgrow its memory
    /// bound), and at most once per `snapshot_interval_ms` writes the changed states to
    /// the state directory, so it stays close to the changelog without rewriting large
    /// states at every commit.
    public func checkpoint() throws {
        if let failure = pendingSpillFailure {
            pendingSpillFailure = nil
            throw StateDirectoryError("\(name): cannot spill key states to state_dir \(spec.stateDirectory ?? ""): \(failure)")
        }
        guard store != nil, ContinuousClock.now - lastStateWrite >= .milliseconds(spec.snapshotIntervalMs) else { return }
        try writeChangedStates()
    }

    /// Saves every key state that changed since it was last saved.
    private func writeChangedStates() throws {
        guard let store else { return }
        lastStateWrite = .now
        for (key, entry) in resident where entry.dirty {
            try save(entry, key: key, to: store)
            resident[key]?.dirty = false
        }
    }

    public func close() throws {
        try writeChangedStates()
    }

    public var snapshotIntervalMs: Int { spec.snapshotIntervalMs }

    public func takeChangedKeys(partition: PartitionID) -> [String] {
        defer { changedKeys[partition] = nil }
        return (changedKeys[partition] ?? []).sorted()
    }

    public func snapshot(partition: PartitionID, key: String) throws -> [UInt8]? {
        if let entry = resident[StateKey(partition: partition, key: key)] { return framed(entry) }
        return try store?.load(partition: partition, key: key)?.state
    }

    /// With a state directory the restored state goes there (read when its key returns),
    /// so taking over many keys does not fill memory; without one it stays resident.
    public func restore(partition: PartitionID, key: String, nextOffset: Int64, from bytes: [UInt8]) throws {
        let stateKey = StateKey(partition: partition, key: key)
        let servedVersion = model?.served?.version ?? ""
        let entry = try decodeEntry(bytes, name: "changelog state of '\(key.prefix(60))' in \(partition)", servedVersion: servedVersion)
        learnedThrough[stateKey] = nextOffset
        if let store {
            try store.save(bytes, partition: partition, key: key, learnedUntil: nextOffset)
            resident[stateKey] = nil
        } else {
            if let served = model?.served?.model, !S.state(entry.state, fits: served) {
                // The key starts anew at its next record.
                resident[stateKey] = nil
                return
            }
            clock += 1
            resident[stateKey] = Entry(state: entry.state, lastUsed: clock, dirty: false, seededBy: entry.seededBy, learnedUntil: nextOffset)
            if resident.count > spec.maxResidentKeys { evictLeastRecentlyUsed() }
        }
    }

    /// Forgets a partition's states; with a state directory the changed ones are saved
    /// first (one that cannot be is counted and logged: the changelog holds the partition's
    /// state for whoever takes it).
    public func drop(partition: PartitionID) {
        for (key, entry) in resident where key.partition == partition {
            if entry.dirty, let store {
                do { try save(entry, key: key, to: store) } catch { spillFailed(key, error) }
            }
            resident[key] = nil
        }
        for key in shadowResident.keys where key.partition == partition { shadowResident[key] = nil }
        for key in learnedThrough.keys where key.partition == partition { learnedThrough[key] = nil }
        for key in replayCopies.keys where key.partition == partition { replayCopies[key] = nil }
        changedKeys[partition] = nil
    }

    /// Deletes the partition's spilled states that learned records at or after `offset`,
    /// where the partition resumes: kept, they would learn those records again.
    public func discardStates(partition: PartitionID, learnedBeyond offset: Int64) throws {
        guard let store else { return }
        let discarded = try store.discardStates(partition: partition, learnedBeyond: offset)
        if discarded > 0 {
            logger.info("discarded key states ahead of the resume offset", metadata: [
                "partition": "\(partition)", "offset": "\(offset)", "states": "\(discarded)"])
        }
    }
}

/// Running comparison of a shadow model's results with the primary model's.
public struct ShadowComparison: Sendable, Equatable {
    public var records = 0
    /// Records both models gave the same verdict.
    public var agreements = 0
    public var absoluteScoreDifference = 0.0
    public var shadowNanoseconds: UInt64 = 0
    /// Records the shadow could not score (its model does not fit the operator's settings).
    public var errors = 0
    public var agreementRate: Double { records > 0 ? Double(agreements) / Double(records) : 0 }
    public var meanAbsoluteScoreDifference: Double { records > 0 ? absoluteScoreDifference / Double(records) : 0 }
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

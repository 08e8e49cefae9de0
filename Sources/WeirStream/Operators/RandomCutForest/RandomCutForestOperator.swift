import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirCore
import WeirRCF
import WeirRegistry

/// Scores each event with the thresholded random cut forest of its key (per input
/// partition, so a key's forest sees its records in order) and writes the score, grade,
/// start of the anomaly, expected values, attribution and model version into the event.
/// At most `maxResidentKeys` forests stay in memory: the least recently used are evicted
/// to the state directory and read back when their key returns. Checkpoints write every
/// forest that changed since the last one, so a restarted process resumes each key where
/// it stopped.
public final class RandomCutForestOperator: KeyedStateOperator {
    public let name = "random_cut_forest"
    public let spec: RandomCutForestOperatorSpec
    /// Names of the input values, for the expected values and the explanation.
    let featureNames: [String]
    private let store: DetectorStateDirectory?
    private var seed: RandomCutForest?
    private var resident: [StateKey: Resident] = [:]
    private var clock: Int64 = 0
    private let logger = Logger(label: "weir.rcf")
    /// Keys changed since their last snapshot to the changelog, per partition.
    private var changedKeys: [PartitionID: Set<String>] = [:]
    /// Per key restored from the changelog, the input offset its state has learned up to.
    private var learnedThrough: [StateKey: Int64] = [:]
    /// Forests read back from the state directory, evicted, and created since start.
    public private(set) var restoredCount = 0, evictedCount = 0, createdCount = 0

    struct StateKey: Hashable {
        var partition: PartitionID
        var key: String
    }

    struct Resident {
        var detector: ThresholdedRandomCutForest
        var lastUsed: Int64
        var dirty: Bool
        /// The registry version that seeded the forest (0: none).
        var seedVersion: Int = 0
    }

    /// The model the registry serves, when the topology names one.
    private var source: RegistryModelSource<RandomCutForest>?
    /// Model versions the registry refused (the served one stayed).
    public var modelRejections: Int { source?.rejections ?? 0 }
    /// The shadow model, its per-key forests (memory only: a shadow is an experiment), and
    /// how it compares with the primary model.
    private var shadowSource: RegistryModelSource<RandomCutForest>?
    private var shadowResident: [StateKey: Resident] = [:]
    public private(set) var shadowComparison = ShadowComparison()
    private let shadowRecords = Counter(label: "weir_shadow_records_total")
    private let shadowAgreements = Counter(label: "weir_shadow_agreements_total")
    private let shadowLatency = Timer(label: "weir_shadow_scoring_seconds")

    /// Running comparison of shadow and primary results.
    public struct ShadowComparison: Sendable, Equatable {
        public var records = 0
        /// Records both models call anomalous, or both normal.
        public var agreements = 0
        public var absoluteScoreDifference = 0.0
        public var shadowNanoseconds: UInt64 = 0
        /// Records the shadow could not score (its forest does not fit the detector).
        public var errors = 0
        public var agreementRate: Double { records > 0 ? Double(agreements) / Double(records) : 0 }
        public var meanAbsoluteScoreDifference: Double { records > 0 ? absoluteScoreDifference / Double(records) : 0 }
    }

    /// New versions this process's guardrail rolled back.
    public var guardrailRollbacks: Int { source?.rollbacks ?? 0 }

    /// `featureNames` are the schema's features when the spec reads no fields itself.
    func decodeForest(_ envelope: SnapshotEnvelope, label: String) throws -> RandomCutForest {
        try RegistrySnapshot.model(RandomCutForest.self, algorithm: RandomCutForestAlgorithm.info.name, envelope: envelope, label: label,
                                   features: featureNames)
    }

    public init(_ spec: RandomCutForestOperatorSpec, featureNames: [String]) {
        self.spec = spec
        self.featureNames = spec.features.isEmpty ? featureNames : spec.features
        store = spec.stateDirectory.map { DetectorStateDirectory(path: $0) }
    }

    public func open() throws {
        if let reference = spec.registryModel {
            let source = try RegistryModelSource(reference, features: featureNames, decode: decodeForest)
            source.check()
            self.source = source
        }
        if let reference = spec.shadowModel {
            let shadow = try RegistryModelSource(reference, features: featureNames, decode: decodeForest)
            shadow.check()
            shadowSource = shadow
        }
        guard let path = spec.seedModel else { return }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecordError(.process, field: nil, "cannot read the seed model \(path)")
        }
        seed = try RandomCutForest(snapshot: [UInt8](data), name: path)
    }

    /// Forests in memory now.
    public var residentCount: Int { resident.count }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var scored = consume event
        let values = try inputValues(of: scored)
        let input = shadowSource == nil ? nil : scored
        let key = try scored.stateKey(field: spec.keyField, expected: "expected a string or number to key the forest by")
        let stateKey = StateKey(partition: PartitionID(topic: scored.origin.topic, partition: scored.origin.partition), key: key)
        if let through = learnedThrough[stateKey] {
            // Already in the restored state: relearning it would count it twice.
            guard scored.origin.offset >= through else {
                output.append(scored)
                return
            }
            learnedThrough[stateKey] = nil
        }
        _ = source?.poll()
        let (detector, seedVersion) = try detector(for: stateKey)
        changedKeys[stateKey.partition, default: []].insert(key)
        let scoringStarted = source == nil ? nil : ContinuousClock.now
        let result = detector.process(values, timestamp: scored.timestamp)
        if seedVersion > 0 && seedVersion == source?.served?.version {
            // Above the threshold, before the run logic folds a lasting anomaly into one report.
            let nanoseconds = scoringStarted.map { $0.nanosecondsElapsed } ?? 0
            source?.observe(anomaly: result.ready && result.score >= result.threshold, nanoseconds: nanoseconds)
        }
        let modelVersion = seedVersion > 0 ? "\(source?.reference.name ?? ""):v\(seedVersion)" : spec.modelVersion
        switch spec.output {
        case .weir: writeWeir(result, modelVersion: modelVersion, into: &scored.fields)
        case .kinesis: writeKinesis(result, into: &scored.fields)
        }
        if let input { shadowScore(input, values: values, key: stateKey, primary: result, primaryVersion: modelVersion, into: &output) }
        output.append(scored)
        if resident.count > spec.maxResidentKeys { evictLeastRecentlyUsed() }
    }

    private func inputValues(of event: borrowing Event) throws(RecordError) -> [Double] {
        guard !spec.features.isEmpty else {
            guard event.features.count == spec.detector.inputDimensions else {
                throw RecordError(.process, "expected \(spec.detector.inputDimensions) features from the schema, found \(event.features.count)")
            }
            return event.features
        }
        var values: [Double] = []
        values.reserveCapacity(spec.features.count)
        for field in spec.features {
            switch event.fields[field] {
            case .number(let number)?: values.append(number)
            case nil, .null?: values.append(.nan)
            case .string(let text)?:
                guard let number = Double(text) else { throw RecordError(.process, field: field, "expected a number, found \"\(text)\"") }
                values.append(number)
            default: throw RecordError(.process, field: field, "expected a number")
            }
        }
        return values
    }

    /// The key's forest and the registry version that seeded it: resident, read back from
    /// the state directory, or new (seeded by the served model, the seed file, or empty).
    /// Under the `replace` policy a forest seeded by another version than the served one
    /// is replaced first.
    private func detector(for key: StateKey) throws(RecordError) -> (ThresholdedRandomCutForest, Int) {
        clock += 1
        var existing = resident[key]
        if existing == nil { existing = try restoredFromStore(key) }
        if var entry = existing {
            entry.lastUsed = clock
            entry.dirty = true
            if let served = source?.served, source?.reference.policy == .replace, entry.seedVersion != served.version {
                entry.detector = try seeded(by: served.model, label: served.label)
                entry.seedVersion = served.version
            }
            resident[key] = entry
            return (entry.detector, entry.seedVersion)
        }
        var entry: Resident
        if let served = source?.served {
            entry = Resident(detector: try seeded(by: served.model, label: served.label), lastUsed: clock, dirty: true,
                             seedVersion: served.version)
        } else if let seed {
            entry = Resident(detector: try seeded(by: seed, label: spec.seedModel ?? ""), lastUsed: clock, dirty: true)
        } else {
            var configuration = spec.detector
            // Each key its own random stream, the same on every run.
            configuration.seed = configuration.seed &+ FNV1a.hash(key.key.utf8)
            entry = Resident(detector: ThresholdedRandomCutForest(configuration), lastUsed: clock, dirty: true)
        }
        createdCount += 1
        resident[key] = entry
        return (entry.detector, entry.seedVersion)
    }

    private func seeded(by forest: RandomCutForest, label: String) throws(RecordError) -> ThresholdedRandomCutForest {
        do {
            return try ThresholdedRandomCutForest(spec.detector, seededWith: forest)
        } catch {
            throw RecordError(.process, "cannot seed a forest from \(label): \(error)")
        }
    }

    private func restoredFromStore(_ key: StateKey) throws(RecordError) -> Resident? {
        guard let store, let bytes = store.load(partition: key.partition, key: key.key) else { return nil }
        do {
            let (detector, seedVersion) = try Self.decodeState(bytes, name: store.file(partition: key.partition, key: key.key))
            restoredCount += 1
            return Resident(detector: detector, lastUsed: clock, dirty: false, seedVersion: seedVersion)
        } catch {
            throw RecordError(.process, "cannot restore the forest of key '\(key.key)': \(error)")
        }
    }

    static let stateMagic = Array("WRCO".utf8)

    /// A key's saved state: the seeding version, then the detector's own bytes.
    static func encodeState(_ entry: Resident) -> [UInt8] {
        var writer = BinaryWriter(capacity: entry.detector.forest.memoryBytes + 4096)
        writer.append(raw: stateMagic)
        writer.write(UInt8(1))
        writer.write(Int64(entry.seedVersion))
        writer.append(raw: entry.detector.encoded())
        return writer.bytes
    }

    static func decodeState(_ bytes: [UInt8], name: String) throws -> (ThresholdedRandomCutForest, Int) {
        var reader = BinaryReader(bytes, name: name)
        guard bytes.count > 13, try reader.readBytes(count: 4) == stateMagic else { throw reader.error("not a random_cut_forest key state (bad magic)") }
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown key state version \(version); expected 1") }
        let seedVersion = Int(try reader.read(Int64.self))
        return (try ThresholdedRandomCutForest(encoded: Array(bytes[13...]), name: name), seedVersion)
    }

    /// Scores `input` with the shadow model's forest for `key` and appends the shadow event
    /// (variant `shadow`): its own results, the primary ones beside them.
    private func shadowScore(_ input: Event, values: [Double], key: StateKey, primary: AnomalyDescriptor, primaryVersion: String,
                             into output: inout [Event]) {
        guard let shadowSource else { return }
        _ = shadowSource.poll()
        guard let served = shadowSource.served else { return }
        let started = ContinuousClock.now
        var entry = shadowResident[key]
        if entry == nil || entry?.seedVersion != served.version {
            guard let detector = try? ThresholdedRandomCutForest(spec.detector, seededWith: served.model) else {
                shadowComparison.errors += 1
                return
            }
            entry = Resident(detector: detector, lastUsed: 0, dirty: false, seedVersion: served.version)
        }
        clock += 1
        entry!.lastUsed = clock
        shadowResident[key] = entry
        if shadowResident.count > spec.maxResidentKeys {
            // Shadow forests are not kept anywhere: the least recently used go.
            for victim in leastRecentlyUsed(shadowResident) { shadowResident[victim] = nil }
        }
        let result = entry!.detector.process(values, timestamp: input.timestamp)
        let nanoseconds = started.nanosecondsElapsed
        shadowComparison.records += 1
        shadowComparison.absoluteScoreDifference += abs(result.score - primary.score)
        shadowComparison.shadowNanoseconds += nanoseconds
        shadowRecords.increment()
        shadowLatency.recordNanoseconds(Int64(nanoseconds))
        if result.isAnomaly == primary.isAnomaly {
            shadowComparison.agreements += 1
            shadowAgreements.increment()
        }
        var shadow = input
        let label = served.label
        switch spec.output {
        case .weir: writeWeir(result, modelVersion: label, into: &shadow.fields)
        case .kinesis: writeKinesis(result, into: &shadow.fields)
        }
        shadow.fields.set("primary_model_version", .string(primaryVersion))
        shadow.fields.set("primary_anomaly_score", .number(primary.score))
        shadow.fields.set("primary_anomaly_grade", .number(primary.grade))
        shadow.headers.append(RecordHeader(RecordHeader.variantName, "shadow"))
        output.append(shadow)
    }

    /// The keys to evict from `table` once it holds more than `maxResidentKeys`: the least
    /// recently used tenth (at least the excess), found with one sort per batch so eviction
    /// stays cheap per record.

    private func leastRecentlyUsed(_ table: [StateKey: Resident]) -> [StateKey] {
        let batch = max(table.count - spec.maxResidentKeys, spec.maxResidentKeys / 10, 1)
        return table.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(batch).map(\.key)
    }

    /// Evicts the least recently used resident forests, saving the changed ones.
    private func evictLeastRecentlyUsed() {
        for key in leastRecentlyUsed(resident) {
            guard let entry = resident[key] else { continue }
            if entry.dirty, let store {
                do {
                    try store.save(Self.encodeState(entry), partition: key.partition, key: key.key)
                } catch {
                    // Keep the forest rather than lose it; the next eviction tries again.
                    logger.error("cannot save an evicted forest", metadata: ["key": "\(key.key)", "error": "\(error)"])
                    continue
                }
            }
            resident[key] = nil
            evictedCount += 1
        }
    }

    /// Saves every forest that changed since the last checkpoint.
    public func checkpoint() throws {
        guard let store else { return }
        for (key, entry) in resident where entry.dirty {
            try store.save(Self.encodeState(entry), partition: key.partition, key: key.key)
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
        if let entry = resident[StateKey(partition: partition, key: key)] { return Self.encodeState(entry) }
        return store?.load(partition: partition, key: key)
    }

    /// With a state directory the restored forest goes there (read when its key returns),
    /// so taking over many keys does not fill memory; without one it stays resident.
    public func restore(partition: PartitionID, key: String, nextOffset: Int64, from bytes: [UInt8]) throws {
        let stateKey = StateKey(partition: partition, key: key)
        let (detector, seedVersion) = try Self.decodeState(bytes, name: "changelog state of '\(key)' in \(partition)")
        learnedThrough[stateKey] = nextOffset
        if let store {
            try store.save(bytes, partition: partition, key: key)
            resident[stateKey] = nil
        } else {
            clock += 1
            resident[stateKey] = Resident(detector: detector, lastUsed: clock, dirty: false, seedVersion: seedVersion)
            if resident.count > spec.maxResidentKeys { evictLeastRecentlyUsed() }
        }
    }

    /// Forgets a partition's forests; with a state directory the changed ones are saved
    /// first, so the directory stays current (the changelog has them too).
    public func drop(partition: PartitionID) {
        for (key, entry) in resident where key.partition == partition {
            if entry.dirty, let store { try? store.save(Self.encodeState(entry), partition: key.partition, key: key.key) }
            resident[key] = nil
        }
        for key in shadowResident.keys where key.partition == partition { shadowResident[key] = nil }
        for key in learnedThrough.keys where key.partition == partition { learnedThrough[key] = nil }
        changedKeys[partition] = nil
    }

    private func writeWeir(_ result: AnomalyDescriptor, modelVersion: String, into fields: inout JSONObject) {
        fields.set("anomaly_score", .number(result.score))
        fields.set("anomaly_grade", .number(result.grade))
        fields.set("anomaly_threshold", .number(result.threshold))
        if result.isAnomaly {
            fields.set("anomaly_start", .number(Double(result.relativeIndex)))
            if let expected = result.expectedValues {
                fields.set("expected", .object(JSONObject(zip(featureNames, expected).map { ($0, JSONValue.number($1)) })))
            }
        }
        if !result.attributionHigh.isEmpty {
            fields.set("attribution", .object(JSONObject(featureNames.indices.map { index in
                (featureNames[index], JSONValue.object(JSONObject([("high", .number(result.attributionHigh[index])),
                                                                   ("low", .number(result.attributionLow[index]))])))
            })))
        }
        if result.imputed { fields.set("imputed", .bool(true)) }
        fields.set("model_version", .string(modelVersion))
    }

    /// Kinesis Data Analytics' shape: the score, and the explanation as JSON text.
    private func writeKinesis(_ result: AnomalyDescriptor, into fields: inout JSONObject) {
        fields.set("ANOMALY_SCORE", .number(result.score))
        var explanation = JSONObject()
        for index in featureNames.indices where index < result.attributionHigh.count {
            let high = result.attributionHigh[index], low = result.attributionLow[index]
            let total = high + low
            explanation.set(featureNames[index], .object(JSONObject([
                ("DIRECTION", .string(high >= low ? "HIGH" : "LOW")),
                ("STRENGTH", .string(JSONWriter.string(of: .number(total > 0 ? abs(high - low) / total : 0)))),
                ("ATTRIBUTION_SCORE", .string(JSONWriter.string(of: .number(total)))),
            ])))
        }
        fields.set("ANOMALY_EXPLANATION", .string(JSONWriter.string(of: .object(explanation))))
    }
}

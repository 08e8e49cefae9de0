import Foundation
import WeirAlgorithm
import WeirCore

/// The `kmeans` operator: assigns each event to its closest centre and adds
/// `closest_cluster`, `distance_to_cluster` (Euclidean), `novel` (the distance is above the
/// novelty threshold: `threshold`, or what `false_positive_rate` of training records
/// exceed), `novelty_threshold` and `model_version`. With `learn: global` or `per_key` the
/// centres keep learning from the stream by the training rule (a point moves its centre by
/// 1 / its count; `half_life_time_size` decays counts so centres follow drift), one set
/// per input partition (`global`) or one per key; `learn: none` (the default) serves the
/// model as is.
extension KMeansAlgorithm: Streamable {
    public enum Learning: String, Sendable, CaseIterable {
        case none, global
        case perKey = "per_key"
    }

    public struct Settings: Sendable, Equatable {
        public var input: FeatureInput
        public var keyField: String?
        public var learning = Learning.none
        public var halfLife = 0
        public var novelty = NoveltyThreshold()
    }

    /// A model ready to serve: its centres indexed, and its novelty threshold.
    public struct Served: Sendable {
        let model: KMeansModel
        let index: CentreIndex
        let threshold: Double
    }

    public static let settingKeys = ["features", "key_field", "learn", "half_life_time_size"] + NoveltyThreshold.settingKeys

    public static func settings(_ config: OperatorConfig) throws(OperatorConfigError) -> Settings {
        var settings = Settings(input: try FeatureInput(config))
        settings.keyField = try config.string("key_field")
        if let learning = try config.choice("learn", Learning.self) { settings.learning = learning }
        if let halfLife = try config.int("half_life_time_size", in: 0...Int(Int32.max)) { settings.halfLife = halfLife }
        settings.novelty = try NoveltyThreshold(config)
        if settings.keyField != nil && settings.learning != .perKey {
            throw OperatorConfigError(key: "key_field", "keys centres that learn per key; set learn: per_key or drop key_field")
        }
        return settings
    }

    public static func serve(_ model: KMeansModel, settings: Settings) throws -> Served {
        try settings.input.requireModel(width: model.dimension, algorithm: "kmeans")
        return Served(model: model, index: model.index, threshold: settings.novelty.threshold(model.calibration))
    }

    public static func schemaFeatures(settings: Settings) -> [String]? { settings.input.names }
    public static var statesStartFromModel: Bool { true }
    public static var shadowComparedFields: [String] { ["closest_cluster", "distance_to_cluster"] }
    public static var stateFileExtension: String { "kmeans" }

    public static func stateKey(of event: Event, settings: Settings) throws(RecordError) -> String {
        guard settings.learning == .perKey else { return "" }
        return try event.stateKey(field: settings.keyField, expected: "expected a string or number to key the centres by")
    }

    /// The model's centres; with a half life, counts are capped at the points the decay
    /// remembers (h / ln 2), so the stream moves them at the rate it would have trained them.
    public static func newState(key: String, served: Served, settings: Settings) -> OnlineCentres {
        let memory = settings.halfLife > 0 ? Double(settings.halfLife) / log(2) : .infinity
        return OnlineCentres(centres: served.model.centres, counts: served.model.weights.map { min($0, memory) },
                             dimension: served.model.dimension, halfLife: settings.halfLife)
    }

    public static func state(_ state: OnlineCentres, fits served: Served) -> Bool {
        state.dimension == served.model.dimension && state.count == served.model.clusterCount
    }

    public static func process(_ state: inout OnlineCentres, event: inout Event, served: Served, version: String,
                               settings: Settings) throws(RecordError) -> StreamOutcome {
        let vector = try settings.input.finiteFloats(of: event)
        let found = settings.learning == .none ? served.index.closest(to: vector) : state.learn(vector)
        let distance = found.squaredDistance.squareRoot()
        let novel = distance > served.threshold
        event.fields.set("closest_cluster", .number(Double(found.centre)))
        event.fields.set("distance_to_cluster", .number(distance))
        event.fields.set("novel", .bool(novel))
        if served.threshold.isFinite { event.fields.set("novelty_threshold", .number(served.threshold)) }
        event.fields.set("model_version", .string(version))
        return StreamOutcome(novel ? .anomalous : .normal, score: distance)
    }

    static let stateMagic = Array("WKMS".utf8)

    public static func encode(state: OnlineCentres) -> [UInt8] {
        var writer = BinaryWriter(capacity: 32 + state.centres.count * 4 + state.counts.count * 8)
        writer.append(raw: stateMagic)
        writer.write(UInt8(1))
        writer.write(UInt64(state.dimension))
        writer.write(UInt64(state.halfLife))
        writer.write(floats: state.centres)
        writer.write(doubles: state.counts)
        return writer.bytes
    }

    public static func decode(state bytes: [UInt8], name: String) throws -> OnlineCentres {
        var reader = BinaryReader(bytes, name: name)
        guard bytes.count > 5, Array(bytes.prefix(4)) == stateMagic else { throw reader.error("not a K-Means key state") }
        _ = try reader.readBytes(count: 4)
        let version = try reader.read(UInt8.self)
        guard version == 1 else { throw reader.error("unknown K-Means key state version \(version)") }
        let dimension = try reader.readCount(maximum: 10_000_000, "dimension")
        let halfLife = try reader.readCount(maximum: Int(Int32.max), "half life")
        let centres = try reader.readFloats()
        let counts = try reader.readDoubles()
        try reader.expectEnd()
        guard dimension > 0, !counts.isEmpty, !counts.count.multipliedReportingOverflow(by: dimension).overflow,
              centres.count == counts.count * dimension else { throw reader.error("centres do not fill \(counts.count) x \(dimension)") }
        guard centres.allSatisfy(\.isFinite), counts.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw reader.error("non-finite centres or counts")
        }
        return OnlineCentres(centres: centres, counts: counts, dimension: dimension, halfLife: halfLife)
    }
}

import WeirAlgorithm
import WeirCore

/// The `random_cut_forest` operator: one thresholded forest per key (a host, a metric).
/// Each event gets `anomaly_score`, `anomaly_grade`, `anomaly_threshold`, for anomalies
/// `anomaly_start` and `expected`, `attribution`, and `model_version` (or, with
/// `output: kinesis`, Kinesis Data Analytics' `ANOMALY_SCORE` and `ANOMALY_EXPLANATION`).
/// Without a model each key's forest learns from scratch; with one (a `weir train
/// randomcutforest` folder or a registry model) each key's forest starts as a copy of it.
/// Forest and thresholder settings take the names the AWS library and SageMaker use.
extension RandomCutForestAlgorithm: Streamable {
    /// How results are written into each event.
    public enum OutputStyle: String, Sendable, CaseIterable {
        /// `anomaly_score`, `anomaly_grade`, `anomaly_threshold`, `anomaly_start`,
        /// `expected`, `attribution`, `model_version`.
        case weir
        /// Kinesis Data Analytics' `ANOMALY_SCORE` and `ANOMALY_EXPLANATION` (a JSON text
        /// with DIRECTION, STRENGTH and ATTRIBUTION_SCORE per feature).
        case kinesis
    }

    public struct Settings: Sendable, Equatable {
        /// The input's names: the fields read (`readsFields`) or the schema's features.
        public var featureNames: [String]
        /// Whether `featureNames` are fields to read (else the event's schema features are the input).
        public var readsFields: Bool
        /// A field whose text keys the forests; nil means the record key.
        public var keyField: String?
        public var detector: ThresholdedRandomCutForest.Configuration
        public var output = OutputStyle.weir
        /// Whether the topology set `shingle_size`; when it did not, a served model's
        /// dimensions decide it (dimensions / inputs).
        public var shingleSizeGiven = false
    }

    /// The forest new keys start from (nil: each learns from scratch) and the detector
    /// configuration that serves it: the settings', with the shingle size the model
    /// implies when the topology leaves it out. Kept forests must match its input shape.
    public final class Served {
        let forest: RandomCutForest?
        let detector: ThresholdedRandomCutForest.Configuration
        var inputDimensions: Int { detector.inputDimensions }
        var shingleSize: Int { detector.shingleSize }

        init(forest: RandomCutForest?, detector: ThresholdedRandomCutForest.Configuration) {
            self.forest = forest
            self.detector = detector
        }
    }

    public static let settingKeys = [
        "features", "key_field", "shingle_size", "num_trees", "sample_size", "bounding_box_cache_fraction", "time_decay", "output_after", "seed",
        "transform", "transform_decay", "scoring", "forest_mode", "imputation", "fill_values", "z_factor", "absolute_threshold",
        "initial_threshold", "ignore_near_expected", "ignore_near_expected_relative", "noise_factor", "attribution_every_input", "output",
    ]

    public static func settings(_ config: OperatorConfig) throws(OperatorConfigError) -> Settings {
        let input = try FeatureInput(config)
        let names = input.names
        var detector = ThresholdedRandomCutForest.Configuration(inputDimensions: names.count)
        let givenShingle = try config.int("shingle_size", in: 1...1_024)
        if let givenShingle { detector.shingleSize = givenShingle }
        if let value = try config.int("num_trees", in: 1...10_000) { detector.numberOfTrees = value }
        if let value = try config.int("sample_size", in: 2...1_000_000) { detector.sampleSize = value }
        if let value = try config.double("bounding_box_cache_fraction") { detector.boundingBoxCacheFraction = value }
        if let value = try config.double("time_decay") { detector.timeDecay = value }
        if let value = try config.int("output_after", in: 1...Int(Int32.max)) { detector.outputAfter = value }
        if let value = try config.int("seed", in: Int.min...Int.max) { detector.seed = UInt64(truncatingIfNeeded: value) }
        if let value = try config.choice("transform", TransformMethod.self) { detector.transform = value }
        if let value = try config.choice("scoring", ThresholdedRandomCutForest.Scoring.self) { detector.scoring = value }
        if let value = try config.double("transform_decay") { detector.transformDecay = value }
        if let value = try config.choice("forest_mode", ThresholdedRandomCutForest.ForestMode.self) { detector.forestMode = value }
        switch try config.string("imputation") {
        case nil: break
        case "previous": detector.imputation = .previous
        case "linear": detector.imputation = .linear
        case "zero": detector.imputation = .zero
        case "forest", "rcf": detector.imputation = .forest
        case "fixed":
            guard let values = try config.doubles("fill_values") else {
                throw OperatorConfigError(key: "fill_values", "expected the values that fill a missing input (imputation: fixed)")
            }
            detector.imputation = .fixed(values)
        case let other?: throw OperatorConfigError(key: "imputation", "expected previous, linear, zero, forest or fixed, found '\(other)'")
        }
        if let value = try config.double("z_factor") { detector.thresholds.zFactor = value }
        if let value = try config.double("absolute_threshold") { detector.thresholds.absoluteThreshold = value }
        if let value = try config.double("initial_threshold") { detector.thresholds.initialThreshold = value }
        if let values = try config.numberOrNumbers("ignore_near_expected") { detector.ignoreNearExpectedAbsolute = values }
        if let value = try config.double("ignore_near_expected_relative") { detector.ignoreNearExpectedRelative = value }
        if let value = try config.double("noise_factor") { detector.ignoreNearExpectedNoiseFactor = value }
        if let value = try config.bool("attribution_every_input") { detector.attributeEveryInput = value }
        var settings = Settings(featureNames: names, readsFields: input.readsFields, detector: detector)
        settings.shingleSizeGiven = givenShingle != nil
        settings.keyField = try config.string("key_field")
        if let value = try config.choice("output", OutputStyle.self) { settings.output = value }
        // Kinesis' explanation is on every record.
        if settings.output == .kinesis { settings.detector.attributeEveryInput = true }
        if let problem = settings.detector.problem() {
            throw OperatorConfigError(key: problemKey(problem), problem)
        }
        return settings
    }

    /// The setting a configuration problem names first (its message starts with it), so
    /// the topology error points at that line.
    static func problemKey(_ problem: String) -> String {
        settingKeys.filter { problem.hasPrefix($0) }.max { $0.count < $1.count } ?? (problem.contains("threshold") ? "z_factor" : "")
    }

    public static func stateKey(of event: Event, settings: Settings) throws(RecordError) -> String {
        try event.stateKey(field: settings.keyField, expected: "expected a string or number to key the forest by")
    }

    /// The model decides what the topology leaves out: without `shingle_size`, a forest of
    /// D dimensions over n inputs shingles D / n of them (a forest trained by `weir train
    /// rcf` on one feature serves one input unshingled). A forest the detector cannot start
    /// from is refused, naming what the topology set and what the model has.
    public static func serve(_ model: RandomCutForest, settings: Settings) throws -> Served {
        var detector = settings.detector
        let dimensions = model.configuration.dimensions, base = detector.baseDimensions
        if !settings.shingleSizeGiven, base > 0, dimensions % base == 0, (1...1_024).contains(dimensions / base) {
            detector.shingleSize = dimensions / base
        }
        guard dimensions == base * detector.shingleSize else {
            let inputs = "\(settings.featureNames.count) input\(settings.featureNames.count == 1 ? "" : "s") (\(settings.featureNames.joined(separator: ", ")))"
            throw ModelSnapshotError(name: "model", settings.shingleSizeGiven
                ? "the forest has \(dimensions) dimensions; \(inputs) x shingle_size \(detector.shingleSize) needs \(base * detector.shingleSize) (leave shingle_size out to take it from the model)"
                : dimensions % max(base, 1) == 0
                    ? "the forest has \(dimensions) dimensions: \(inputs) would shingle \(dimensions / max(base, 1)) values, over the 1,024 the operator takes"
                    : "the forest has \(dimensions) dimensions, not a multiple of the \(inputs) the operator reads; set features to the fields it was trained on")
        }
        if let problem = detector.problem() { throw ModelSnapshotError(name: "model", problem) }
        _ = try ThresholdedRandomCutForest(detector, seededWith: model)
        return Served(forest: model, detector: detector)
    }

    public static func modelFree(settings: Settings) -> (served: Served, version: String)? {
        (Served(forest: nil, detector: settings.detector), "online")
    }

    public static func schemaFeatures(settings: Settings) -> [String]? { settings.featureNames }
    public static var statesStartFromModel: Bool { true }
    public static var shadowComparedFields: [String] { ["anomaly_score", "anomaly_grade"] }
    public static var stateFileExtension: String { "trcf" }

    public static func newState(key: String, served: Served, settings: Settings) throws(RecordError) -> ThresholdedRandomCutForest {
        if let forest = served.forest {
            do {
                return try ThresholdedRandomCutForest(served.detector, seededWith: forest)
            } catch {
                throw RecordError(.process, "cannot start the forest of key '\(key.prefix(60))' from the model: \(error)")
            }
        }
        var configuration = served.detector
        // Each key its own random stream, the same on every run.
        configuration.seed = configuration.seed &+ FNV1a.hash(key.utf8)
        return ThresholdedRandomCutForest(configuration)
    }

    /// A forest of another input shape than the topology's is started anew.
    public static func state(_ state: ThresholdedRandomCutForest, fits served: Served) -> Bool {
        state.configuration.inputDimensions == served.inputDimensions && state.configuration.shingleSize == served.shingleSize
    }

    static func inputValues(of event: Event, settings: Settings) throws(RecordError) -> [Double] {
        try FeatureInput(names: settings.featureNames, readsFields: settings.readsFields).values(of: event)
    }

    /// The verdict is the forest's score against its threshold, before the run logic folds
    /// a lasting anomaly into one report (what the guardrail's anomaly rate counts).
    public static func process(_ state: inout ThresholdedRandomCutForest, event: inout Event, served: Served, version: String,
                               settings: Settings) throws(RecordError) -> StreamOutcome {
        let values = try inputValues(of: event, settings: settings)
        let result = state.process(values, timestamp: event.timestamp)
        switch settings.output {
        case .weir: writeWeir(result, names: settings.featureNames, modelVersion: version, into: &event.fields)
        case .kinesis: writeKinesis(result, names: settings.featureNames, into: &event.fields)
        }
        guard result.ready else { return StreamOutcome(.noDecision("warming_up"), score: result.score) }
        return StreamOutcome(result.score >= result.threshold ? .anomalous : .normal, score: result.score)
    }

    static func writeWeir(_ result: AnomalyDescriptor, names: [String], modelVersion: String, into fields: inout JSONObject) {
        fields.set("anomaly_score", .number(result.score))
        fields.set("anomaly_grade", .number(result.grade))
        fields.set("anomaly_threshold", .number(result.threshold))
        if result.isAnomaly {
            fields.set("anomaly_start", .number(Double(result.relativeIndex)))
            if let expected = result.expectedValues {
                fields.set("expected", .object(JSONObject(zip(names, expected).map { ($0, JSONValue.number($1)) })))
            }
        }
        if !result.attributionHigh.isEmpty {
            fields.set("attribution", .object(JSONObject(zip(names.indices, names).compactMap { index, name in
                guard index < result.attributionHigh.count, index < result.attributionLow.count else { return nil }
                return (name, JSONValue.object(JSONObject([("high", .number(result.attributionHigh[index])),
                                                           ("low", .number(result.attributionLow[index]))])))
            })))
        }
        if result.imputed { fields.set("imputed", .bool(true)) }
        fields.set("model_version", .string(modelVersion))
    }

    /// Kinesis Data Analytics' shape: the score, and the explanation as JSON text.
    static func writeKinesis(_ result: AnomalyDescriptor, names: [String], into fields: inout JSONObject) {
        fields.set("ANOMALY_SCORE", .number(result.score))
        var explanation = JSONObject()
        for index in names.indices where index < result.attributionHigh.count && index < result.attributionLow.count {
            let high = result.attributionHigh[index], low = result.attributionLow[index]
            let total = high + low
            explanation.set(names[index], .object(JSONObject([
                ("DIRECTION", .string(high >= low ? "HIGH" : "LOW")),
                ("STRENGTH", .string(JSONWriter.string(of: .number(total > 0 ? abs(high - low) / total : 0)))),
                ("ATTRIBUTION_SCORE", .string(JSONWriter.string(of: .number(total)))),
            ])))
        }
        fields.set("ANOMALY_EXPLANATION", .string(JSONWriter.string(of: .object(explanation))))
    }

    public static func encode(state: ThresholdedRandomCutForest) -> [UInt8] { state.encoded() }

    public static func decode(state bytes: [UInt8], name: String) throws -> ThresholdedRandomCutForest {
        try ThresholdedRandomCutForest(encoded: bytes, name: name)
    }

    static let legacyStateMagic = Array("WRCO".utf8)

    /// Key states of releases before the catalogue: `WRCO`, version 1, the registry
    /// version that seeded the forest, then the detector's bytes.
    public static func decodeLegacy(state bytes: [UInt8], name: String) throws -> (state: ThresholdedRandomCutForest, registryVersion: Int)? {
        guard bytes.count > 13, Array(bytes[0..<4]) == legacyStateMagic else { return nil }
        var reader = BinaryReader(bytes, name: name)
        _ = try reader.readBytes(count: 4)
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown key state version \(version); expected 1") }
        let seedVersion = try reader.read(Int64.self)
        guard let registryVersion = Int(exactly: seedVersion), registryVersion >= 0 else {
            throw reader.error("a seeding version of \(seedVersion)")
        }
        return (try ThresholdedRandomCutForest(encoded: Array(bytes[13...]), name: name), registryVersion)
    }
}

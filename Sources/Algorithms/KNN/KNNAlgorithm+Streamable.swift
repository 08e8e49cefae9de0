import WeirAlgorithm
import WeirCore

/// The `knn` operator: adds `predicted_label`, `knn_novelty` (the k-th neighbour's L2
/// distance, 1 - cosine, or negated inner product: high = unlike the training sample),
/// `novel` (above `threshold`, or above what `false_positive_rate` of sample points reach
/// left out of the index), `novelty_threshold` and `model_version`. It keeps no state per key.
extension KNNAlgorithm: Streamable {
    public struct Settings: Sendable, Equatable {
        public var input: FeatureInput
        public var novelty = NoveltyThreshold()
    }

    public struct Served: Sendable {
        let model: KNNModel
        let threshold: Double
    }

    public static let settingKeys = ["features"] + NoveltyThreshold.settingKeys

    public static func settings(_ config: OperatorConfig) throws(OperatorConfigError) -> Settings {
        Settings(input: try FeatureInput(config), novelty: try NoveltyThreshold(config))
    }

    public static func serve(_ model: KNNModel, settings: Settings) throws -> Served {
        try settings.input.requireModel(width: model.inputDimension, algorithm: "knn")
        return Served(model: model, threshold: settings.novelty.threshold(model.calibration))
    }

    public static func schemaFeatures(settings: Settings) -> [String]? { settings.input.names }
    public static var shadowComparedFields: [String] { ["predicted_label", "knn_novelty"] }

    public static func process(_ state: inout NoKeyState, event: inout Event, served: Served, version: String,
                               settings: Settings) throws(RecordError) -> StreamOutcome {
        let found = served.model.neighbours(of: try settings.input.finiteFloats(of: event))
        let novelty = served.model.novelty(ofScores: found.scores)
        let novel = novelty > served.threshold
        event.fields.set("predicted_label", .number(served.model.predictedLabel(found.points)))
        event.fields.set("knn_novelty", .number(novelty))
        event.fields.set("novel", .bool(novel))
        if served.threshold.isFinite { event.fields.set("novelty_threshold", .number(served.threshold)) }
        event.fields.set("model_version", .string(version))
        return StreamOutcome(novel ? .anomalous : .normal, score: novelty)
    }
}

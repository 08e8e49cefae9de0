import WeirAlgorithm
import WeirCore

/// The `pca` operator: projects each event on the model's components and adds `projection`
/// (a list, components by decreasing variance), `reconstruction_error` (the norm of what
/// the components leave out: a novelty score), `novel` (above `threshold`, or above what
/// `false_positive_rate` of training records reach), `novelty_threshold` and
/// `model_version`. It keeps no state per key.
extension PCAAlgorithm: Streamable {
    public struct Settings: Sendable, Equatable {
        public var input: FeatureInput
        public var novelty = NoveltyThreshold()
    }

    public struct Served: Sendable {
        let model: PCAModel
        let threshold: Double
    }

    public static let settingKeys = ["features"] + NoveltyThreshold.settingKeys

    public static func settings(_ config: OperatorConfig) throws(OperatorConfigError) -> Settings {
        Settings(input: try FeatureInput(config), novelty: try NoveltyThreshold(config))
    }

    public static func serve(_ model: PCAModel, settings: Settings) throws -> Served {
        try settings.input.requireModel(width: model.dimension, algorithm: "pca")
        return Served(model: model, threshold: settings.novelty.threshold(model.calibration))
    }

    public static func schemaFeatures(settings: Settings) -> [String]? { settings.input.names }
    public static var shadowComparedFields: [String] { ["reconstruction_error"] }

    public static func process(_ state: inout NoKeyState, event: inout Event, served: Served, version: String,
                               settings: Settings) throws(RecordError) -> StreamOutcome {
        let values = try settings.input.finiteFloats(of: event).map(Double.init)
        let (projection, residual) = served.model.project(values)
        let novel = residual > served.threshold
        event.fields.set("projection", .array(projection.map { .number($0) }))
        event.fields.set("reconstruction_error", .number(residual))
        event.fields.set("novel", .bool(novel))
        if served.threshold.isFinite { event.fields.set("novelty_threshold", .number(served.threshold)) }
        event.fields.set("model_version", .string(version))
        return StreamOutcome(novel ? .anomalous : .normal, score: residual)
    }
}

import WeirAlgorithm
import WeirCore

/// IP Insights resumes by epoch: its checkpoint holds the model (embeddings, encoder and
/// the filter of trained entities), Adam's moments, the step count and the random state.
extension IPInsightsAlgorithm: ResumableTraining {
    public typealias TrainingState = IPInsightsTrainer

    public static var epochsHyperparameter: String { "epochs" }
    static let trainingStateMagic = Array("WIPITRN1".utf8)

    public static func encode(trainingState trainer: IPInsightsTrainer) -> [UInt8] {
        let model = trainer.model.snapshot()
        var writer = BinaryWriter(capacity: model.count * 3 + 4096)
        writer.append(raw: trainingStateMagic)
        writer.write(UInt64(model.count))
        writer.append(raw: model)
        trainer.encodeState(into: &writer)
        return writer.bytes
    }

    public static func decode(trainingState bytes: [UInt8], hyperparameters: IPInsightsHyperparameters, name: String) throws -> IPInsightsTrainer {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: trainingStateMagic.count) == trainingStateMagic else { throw reader.error("not an IP Insights training state") }
        let length: UInt64 = try reader.read()
        guard length <= UInt64(reader.remaining) else { throw reader.error("truncated: a model of \(length) bytes announced, \(reader.remaining) left") }
        let model = try IPInsightsModel(snapshot: try reader.readBytes(count: Int(length)), name: name)
        guard model.configuration == hyperparameters.configuration else {
            throw reader.error("the checkpoint's model has another shape than these hyperparameters give")
        }
        let trainer = IPInsightsTrainer(model: model, options: hyperparameters.options, seed: hyperparameters.seed)
        try trainer.restoreState(from: &reader)
        try reader.expectEnd()
        return trainer
    }
}

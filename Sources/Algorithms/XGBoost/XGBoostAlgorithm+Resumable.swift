import WeirAlgorithm
import WeirCore
import WeirMath

/// XGBoost resumes by boosting round, as xgboost's checkpoints do: the state after a round
/// is the model so far (its trees in xgboost's format), the random state (row and column
/// sampling), the early-stopping record and unbiased LambdaMART's position bias in full
/// precision. Margins are recomputed from the trees, summed
/// in the order training summed them, so a resumed job grows the same trees.
extension XGBoostAlgorithm: ResumableTraining {
    public struct TrainingState: Sendable {
        var model: XGBoostModel
        var random: RandomSource
        var best: (score: Double, round: Int)?
        /// Whether early stopping ended training (a resumed job then adds no rounds).
        var stopped: Bool
        /// Unbiased LambdaMART's position bias (the model file holds it as Float).
        var bias: PositionBias?
    }

    public static var epochsHyperparameter: String { "num_round" }
    static let trainingStateMagic = Array("WXGBTRN1".utf8)

    public static func encode(trainingState state: TrainingState) -> [UInt8] {
        let model = state.model.snapshot()
        var writer = BinaryWriter(capacity: model.count + 128)
        writer.append(raw: trainingStateMagic)
        writer.write(bytes: model)
        for word in state.random.stateWords { writer.write(word) }
        writer.write(UInt8(state.best == nil ? 0 : 1))
        writer.write(state.best?.score ?? 0)
        writer.write(UInt64(state.best?.round ?? 0))
        writer.write(UInt8(state.stopped ? 1 : 0))
        if let bias = state.bias {
            writer.write(UInt64(bias.relevant.count))
            for value in bias.relevant + bias.irrelevant { writer.write(value) }
        }
        return writer.bytes
    }

    public static func decode(trainingState bytes: [UInt8], hyperparameters: XGBoostHyperparameters, name: String) throws -> TrainingState {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: trainingStateMagic.count) == trainingStateMagic else { throw reader.error("not an XGBoost training state") }
        let model = try XGBoostModel(snapshot: try reader.readBytes(), name: name)
        guard model.objective.kind == hyperparameters.objective.kind, model.outputs == hyperparameters.objective.outputs else {
            throw reader.error("the checkpoint's model is \(model.objective.kind.rawValue) with \(model.outputs) outputs, not what these hyperparameters train")
        }
        let words = try (0..<4).map { _ throws(BinaryReader.Failure) in try reader.read(UInt64.self) }
        guard words.contains(where: { $0 != 0 }) else { throw reader.error("the random state is all zero") }
        let hasBest = try reader.read(UInt8.self)
        let score = try reader.readDouble()
        let round = try reader.readCount(maximum: 1_000_000, "best round")
        let stopped = try reader.read(UInt8.self)
        var bias: PositionBias?
        if !reader.isAtEnd {
            let positions = try reader.readCount(maximum: 1 << 20, "bias positions")
            let relevant = try (0..<positions).map { _ throws(BinaryReader.Failure) in try reader.readDouble() }
            let irrelevant = try (0..<positions).map { _ throws(BinaryReader.Failure) in try reader.readDouble() }
            guard (relevant + irrelevant).allSatisfy(\.isFinite) else { throw reader.error("a position bias is not finite") }
            bias = PositionBias(relevant: relevant, irrelevant: irrelevant)
        }
        try reader.expectEnd()
        guard hasBest <= 1, stopped <= 1 else { throw reader.error("damaged flags") }
        return TrainingState(model: model, random: RandomSource(stateWords: words), best: hasBest == 1 ? (score, round) : nil,
                             stopped: stopped == 1, bias: bias)
    }
}

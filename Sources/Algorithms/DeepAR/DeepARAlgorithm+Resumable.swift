import WeirAlgorithm
import WeirCore
import WeirMath

/// DeepAR resumes by epoch: its checkpoint holds the network's parameters, Adam's moments
/// and step counts, the random state, the epoch losses and the early-stopping record.
extension DeepARAlgorithm: ResumableTraining {
    public struct TrainingState {
        /// The best epoch so far, kept for early stopping (parameters only with a patience).
        public struct Best {
            var loss: Double
            var epoch: Int
            var parameters: [UInt8]
        }

        var parameters: [UInt8]
        var progress: DeepARModel.TrainingProgress
        var best: Best
        /// Early stopping ended training: a resumed job trains no further.
        var stopped: Bool
    }

    public static var epochsHyperparameter: String { "epochs" }
    static let trainingStateMagic = Array("WDARTRN1".utf8)

    public static func encode(trainingState state: TrainingState) -> [UInt8] {
        var writer = BinaryWriter(capacity: state.parameters.count * 3 + state.best.parameters.count + 4096)
        writer.append(raw: trainingStateMagic)
        writer.write(UInt64(state.parameters.count))
        writer.append(raw: state.parameters)
        state.progress.adam.encodeState(into: &writer)
        writer.write(randomSource: state.progress.random)
        writer.write(UInt32(state.progress.losses.count))
        for loss in state.progress.losses { writer.write(loss) }
        writer.write(state.best.loss)
        writer.write(Int64(state.best.epoch))
        writer.write(UInt64(state.best.parameters.count))
        writer.append(raw: state.best.parameters)
        writer.write(UInt8(state.stopped ? 1 : 0))
        return writer.bytes
    }

    public static func decode(trainingState bytes: [UInt8], hyperparameters: DeepARHyperparameters, name: String) throws -> TrainingState {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: trainingStateMagic.count) == trainingStateMagic else { throw reader.error("not a DeepAR training state") }
        func blob() throws -> [UInt8] {
            let length: UInt64 = try reader.read()
            guard length <= UInt64(reader.remaining) else { throw reader.error("truncated: \(length) bytes announced, \(reader.remaining) left") }
            return try reader.readBytes(count: Int(length))
        }
        let parameters = try blob()
        var progress = DeepARModel.TrainingProgress(seed: hyperparameters.seed, learningRate: hyperparameters.learningRate)
        try progress.adam.restoreState(from: &reader)
        progress.random = try reader.readRandomSource()
        let lossCount: UInt32 = try reader.read()
        guard Int(lossCount) <= reader.remaining / 8 else { throw reader.error("truncated: \(lossCount) losses announced") }
        for _ in 0..<Int(lossCount) { progress.losses.append(try reader.readDouble()) }
        let bestLoss = try reader.readDouble()
        let bestEpoch: Int64 = try reader.read()
        guard bestEpoch >= -1, bestEpoch < Int64(lossCount) else { throw reader.error("a best epoch of \(bestEpoch) after \(lossCount) epochs") }
        let bestParameters = try blob()
        let stopped: UInt8 = try reader.read()
        try reader.expectEnd()
        return TrainingState(parameters: parameters, progress: progress, best: TrainingState.Best(loss: bestLoss, epoch: Int(bestEpoch), parameters: bestParameters),
                             stopped: stopped != 0)
    }
}

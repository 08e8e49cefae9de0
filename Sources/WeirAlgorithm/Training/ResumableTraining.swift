import WeirCore

/// An algorithm whose training can stop after any epoch and go on later from a checkpoint
/// kept apart from the model (as xgboost keeps its checkpoints): with a checkpoint
/// directory, training saves its whole state after each epoch (parameters, optimizer
/// moments, random state, early-stopping record) and a job started again with the same
/// hyperparameters, `epochs` raised or not, goes on from the last one. Resumed training
/// gives the model uninterrupted training gives, byte for byte.
public protocol ResumableTraining: Algorithm {
    /// Everything training needs to go on after an epoch.
    associatedtype TrainingState
    /// The hyperparameter that counts epochs, the one a resumed job may change.
    static var epochsHyperparameter: String { get }
    static func encode(trainingState: TrainingState) -> [UInt8]
    /// Decodes a state `encode(trainingState:)` wrote for these hyperparameters; throws (never
    /// traps) on damage.
    static func decode(trainingState bytes: [UInt8], hyperparameters: Hyperparameters, name: String) throws -> TrainingState
}

extension TrainingContext {
    /// The state to go on from and how many epochs it completed, when the job has a
    /// checkpoint directory holding a checkpoint of this algorithm.
    public func resume<A: ResumableTraining>(_: A.Type, hyperparameters: A.Hyperparameters) throws -> (completedEpochs: Int, state: A.TrainingState)? {
        guard let checkpoints, let saved = try checkpoints.latest() else { return nil }
        let state = try A.decode(trainingState: saved.state, hyperparameters: hyperparameters, name: checkpoints.file)
        log("resuming from \(checkpoints.file) after epoch \(saved.completedEpochs)")
        return (saved.completedEpochs, state)
    }

    /// Saves the state after `completedEpochs` epochs when the job keeps checkpoints
    /// (the state is only made then).
    public func checkpoint<A: ResumableTraining>(_: A.Type, completedEpochs: Int, state: @autoclosure () -> A.TrainingState) throws {
        guard let checkpoints else { return }
        try checkpoints.save(completedEpochs: completedEpochs, state: A.encode(trainingState: state()))
    }
}

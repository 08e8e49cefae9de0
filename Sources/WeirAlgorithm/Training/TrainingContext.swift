/// What a training job hands an algorithm: its channels, how to report, and which host of
/// how many this is. The algorithm returns its model; the job writes the model folder, so
/// no algorithm writes files of its own.
public struct TrainingContext {
    public let channels: [String: TrainingChannel]
    public let metrics: MetricsReporter
    public let hostIndex: Int
    public let hostCount: Int
    /// Where a resumable algorithm saves and finds its checkpoint; nil: it keeps none.
    public var checkpoints: TrainingCheckpoints?
    /// Where the job's notes go (standard error from `weir train`).
    public var log: (String) -> Void = { _ in }

    public init(channels: [String: TrainingChannel], metrics: MetricsReporter, hostIndex: Int = 0, hostCount: Int = 1,
                checkpoints: TrainingCheckpoints? = nil) {
        self.channels = channels
        self.metrics = metrics
        self.hostIndex = hostIndex
        self.hostCount = hostCount
        self.checkpoints = checkpoints
    }

    /// The channel `name`, which the job checked is present when the algorithm requires it.
    public func channel(_ name: String) throws(TrainingJobError) -> TrainingChannel {
        guard let channel = channels[name] else { throw TrainingJobError(message: "the \(name) channel is missing") }
        return channel
    }
}

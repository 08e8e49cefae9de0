/// What a training job hands an algorithm: its channels, how to report, and which host of
/// how many this is. The algorithm returns its model; the job writes the model folder, so
/// no algorithm writes files of its own.
public struct TrainingContext {
    public let channels: [String: TrainingChannel]
    public let metrics: MetricsReporter
    public let hostIndex: Int
    public let hostCount: Int

    public init(channels: [String: TrainingChannel], metrics: MetricsReporter, hostIndex: Int = 0, hostCount: Int = 1) {
        self.channels = channels
        self.metrics = metrics
        self.hostIndex = hostIndex
        self.hostCount = hostCount
    }

    /// The channel `name`, which the job checked is present when the algorithm requires it.
    public func channel(_ name: String) throws(TrainingJobError) -> TrainingChannel {
        guard let channel = channels[name] else { throw TrainingJobError(message: "the \(name) channel is missing") }
        return channel
    }
}

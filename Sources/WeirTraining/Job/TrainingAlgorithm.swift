/// What a training job hands an algorithm: its channels, where the model goes, how to
/// report, and which host of how many this is.
public struct TrainingContext {
    public let channels: [String: TrainingChannel]
    public let modelDirectory: String
    public let metrics: MetricsReporter
    public let hostIndex: Int
    public let hostCount: Int

    public init(channels: [String: TrainingChannel], modelDirectory: String, metrics: MetricsReporter,
                hostIndex: Int = 0, hostCount: Int = 1) {
        self.channels = channels
        self.modelDirectory = modelDirectory
        self.metrics = metrics
        self.hostIndex = hostIndex
        self.hostCount = hostCount
    }
}

/// A batch-trainable algorithm behind `weir train`: its SageMaker name, hyperparameters
/// and channels, and the training itself, which writes model files into the model folder.
public protocol TrainingAlgorithm: Sendable {
    static var name: String { get }
    /// Other names `weir train` accepts (short forms).
    static var aliases: [String] { get }
    /// The file in the model folder that is the model's snapshot payload, if publishable.
    static var snapshotFile: String? { get }
    static var summary: String { get }
    static var hyperparameters: [HyperparameterDefinition] { get }
    static var requiredChannels: Set<String> { get }
    static var optionalChannels: Set<String> { get }
    /// OpenBLAS threads the algorithm runs best with when the user sets none (nil: all).
    static var preferredBLASThreads: Int? { get }

    init(hyperparameters: Hyperparameters) throws
    func train(_ context: TrainingContext) throws
}

extension TrainingAlgorithm {
    public static var aliases: [String] { [] }
    public static var snapshotFile: String? { nil }
    public static var preferredBLASThreads: Int? { nil }
}

/// How one input channel is delivered, as SageMaker's `inputdataconfig.json` describes it.
public struct ChannelConfig: Sendable, Equatable {
    public enum InputMode: String, Sendable { case file = "File", pipe = "Pipe", fastFile = "FastFile" }
    public enum Distribution: String, Sendable { case fullyReplicated = "FullyReplicated", shardedByS3Key = "ShardedByS3Key" }
    /// `RecordWrapperType`: with `RecordIO`, each record of a text format (an augmented
    /// manifest's JSON line) arrives framed as one RecordIO record.
    public enum RecordWrapper: String, Sendable { case none = "None", recordIO = "RecordIO" }

    public var name: String
    /// The MIME type of the data (`text/csv;label_size=0`, `application/x-recordio-protobuf`, ...).
    public var contentType: String?
    public var inputMode: InputMode
    public var distribution: Distribution
    public var recordWrapper: RecordWrapper

    public init(name: String, contentType: String? = nil, inputMode: InputMode = .file, distribution: Distribution = .fullyReplicated,
                recordWrapper: RecordWrapper = .none) {
        self.name = name
        self.contentType = contentType
        self.inputMode = inputMode
        self.distribution = distribution
        self.recordWrapper = recordWrapper
    }

    /// The channels SageMaker's built-in algorithms know.
    public static let knownNames: Set<String> = ["train", "validation", "test", "auxiliary"]
}

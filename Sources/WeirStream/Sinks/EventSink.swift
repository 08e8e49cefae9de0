import WeirCore
import WeirKafka

/// Where a topology's results go. A synchronous sink has finished with a record when
/// `write` returns; an asynchronous one (Kafka) acknowledges it later through the
/// pipeline's delivery handler, using the token it was given.
public protocol EventSink: AnyObject {
    var name: String { get }
    /// True when `write` completes the record itself, with no acknowledgement to await.
    var isSynchronous: Bool { get }
    func write(_ message: OutgoingMessage, token: UInt64) throws(SinkFailure)
    /// Makes everything written so far durable (for files: flushed and fsynced).
    func flush() throws(SinkFailure)
    func close() throws(SinkFailure)
}

/// A sink that could not take a record, with the sink's name and the cause.
public struct SinkFailure: Error, Sendable, CustomStringConvertible {
    public let sink: String
    public let message: String
    /// True when the record itself is the problem (too large), so it can be dead-lettered;
    /// false when the sink is broken and the stream must stop without committing.
    public let isRecordProblem: Bool
    /// The Kafka error behind the failure, for sinks that produce to Kafka.
    public let kafkaError: KafkaError?

    public init(sink: String, message: String, isRecordProblem: Bool = false, kafkaError: KafkaError? = nil) {
        self.sink = sink
        self.message = message
        self.isRecordProblem = isRecordProblem
        self.kafkaError = kafkaError
    }

    public var description: String { "sink \(sink): \(message)" }
}

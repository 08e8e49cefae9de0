import WeirCore
import WeirKafka

/// Produces results to a Kafka topic through the pipeline's shared producer (shared so
/// that, in exactly-once mode, outputs and input offsets join one transaction). The
/// producer's local queue is bounded: when it is full, delivery reports are served
/// until there is room, which is the pipeline's backpressure.
public final class KafkaTopicSink: EventSink {
    public let name: String
    public let topic: String
    public let isSynchronous = false
    private let producer: KafkaProducer

    public init(topic: String, producer: KafkaProducer) {
        self.topic = topic
        self.name = "kafka:\(topic)"
        self.producer = producer
    }

    public func write(_ message: OutgoingMessage, token: UInt64) throws(SinkFailure) {
        var routed = message
        routed.topic = topic
        while true {
            do {
                try producer.send(routed, token: token)
                return
            } catch let error where error.isQueueFull {
                producer.poll(timeoutMs: 10)
            } catch let error where error.isMessageTooLarge {
                throw SinkFailure(sink: name, message: "\(error)", isRecordProblem: true, kafkaError: error)
            } catch {
                throw SinkFailure(sink: name, message: "\(error)", kafkaError: error)
            }
        }
    }

    public func flush() throws(SinkFailure) {
        do {
            try producer.flush(timeoutMs: 60_000)
        } catch {
            throw SinkFailure(sink: name, message: "\(error)")
        }
    }

    public func close() throws(SinkFailure) {
        try flush()
    }
}

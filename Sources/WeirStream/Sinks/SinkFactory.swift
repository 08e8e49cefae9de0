import WeirKafka

/// Builds the sinks a topology declares. Kafka sinks share `producer`, which the caller
/// creates when `needsProducer` says so.
enum SinkFactory {
    static func needsProducer(_ spec: TopologySpec) -> Bool {
        let sinks = spec.sinks + (spec.deadLetter.map { [$0] } ?? [])
        return sinks.contains { if case .kafka = $0 { return true } else { return false } }
    }

    static func make(_ sink: SinkSpec, producer: KafkaProducer?) throws -> any EventSink {
        switch sink {
        case .kafka(let topic):
            guard let producer else { throw PipelineError.source("kafka sink '\(topic)' has no producer") }
            return KafkaTopicSink(topic: topic, producer: producer)
        case .file(let path):
            return try FileSink(path: path)
        case .stdout:
            return FileSink()
        }
    }
}

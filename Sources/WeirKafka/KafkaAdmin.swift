import CRdKafka
import WeirCore

/// Topic administration and cluster metadata, over a producer handle of its own.
public final class KafkaAdmin: @unchecked Sendable {
    private let producer: KafkaProducer

    public init(configuration: KafkaConfiguration) throws(KafkaError) {
        var effective = configuration
        effective["enable.idempotence"] = "false"
        effective["transactional.id"] = nil
        producer = try KafkaProducer(configuration: effective)
    }

    /// Creates `name` with `partitions` partitions. An existing topic is not an error
    /// when `ignoreExisting` is set.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1,
                            config: [String: String] = [:], ignoreExisting: Bool = true,
                            timeoutMs: Int32 = 10_000) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let topic = rd_kafka_NewTopic_new(name, partitions, replicationFactor, &errorText, errorText.count) else {
            throw .local("topic '\(name)': \(text(ofCBuffer: errorText))")
        }
        defer { rd_kafka_NewTopic_destroy(topic) }
        for (key, value) in config {
            try check(rd_kafka_NewTopic_set_config(topic, key, value), "topic '\(name)' config \(key)")
        }
        let queue = rd_kafka_queue_new(producer.handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(producer.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, nil, 0)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, nil, 0)
        var topics: [OpaquePointer?] = [topic]
        rd_kafka_CreateTopics(producer.handle, &topics, 1, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw .local("create topic '\(name)': no answer within \(timeoutMs) ms")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: eventError.rawValue,
                             message: "create topic '\(name)': \(String(cString: rd_kafka_event_error_string(event)))")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let code = rd_kafka_topic_result_error(results[index])
            if code == RD_KAFKA_RESP_ERR_NO_ERROR { continue }
            if ignoreExisting && code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let text = rd_kafka_topic_result_error_string(results[index]).map { String(cString: $0) } ?? ""
            throw KafkaError(code: code.rawValue, message: "create topic '\(name)': \(text)")
        }
    }

    /// Partition counts of the cluster's topics (or of `topic` alone).
    public func partitionCounts(topic: String? = nil, timeoutMs: Int32 = 10_000) throws(KafkaError) -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        var native: OpaquePointer?
        if let topic { native = rd_kafka_topic_new(producer.handle, topic, nil) }
        defer { if let native { rd_kafka_topic_destroy(native) } }
        try check(rd_kafka_metadata(producer.handle, topic == nil ? 1 : 0, native, &metadata, timeoutMs),
                  "fetch metadata")
        guard let metadata else { return [:] }
        defer { rd_kafka_metadata_destroy(metadata) }
        var result: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[index]
            if entry.err != RD_KAFKA_RESP_ERR_NO_ERROR { continue }
            result[String(cString: entry.topic)] = Int(entry.partition_cnt)
        }
        return result
    }

    /// Brokers as "host:port", proving the cluster answered.
    public func brokers(timeoutMs: Int32 = 10_000) throws(KafkaError) -> [String] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        try check(rd_kafka_metadata(producer.handle, 0, nil, &metadata, timeoutMs), "fetch metadata")
        guard let metadata else { return [] }
        defer { rd_kafka_metadata_destroy(metadata) }
        return (0..<Int(metadata.pointee.broker_cnt)).map { index in
            let broker = metadata.pointee.brokers[index]
            return "\(String(cString: broker.host)):\(broker.port)"
        }
    }
}

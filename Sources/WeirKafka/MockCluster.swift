import CRdKafka

/// librdkafka's in-process mock Kafka cluster. Its brokers listen on real loopback
/// ports, so other processes and clients can use the bootstrap address too. It keeps
/// everything in memory and lives as long as this object.
public final class MockCluster: @unchecked Sendable {
    private let host: OpaquePointer
    private let cluster: OpaquePointer
    /// "host:port,host:port" of the mock brokers.
    public let bootstrapServers: String

    public init(brokers: Int32 = 1) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else { throw .local("rd_kafka_conf_new failed") }
        var errorText = [CChar](repeating: 0, count: 512)
        // The host handle never connects anywhere: silence its "no bootstrap.servers" notice.
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errorText, errorText.count)
        // The cluster needs a client handle to live in; it never sends anything itself.
        guard let host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw .local("cannot create the mock cluster's host handle: \(text(ofCBuffer: errorText))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(host, brokers) else {
            rd_kafka_destroy(host)
            throw .local("cannot create the mock cluster")
        }
        self.host = host
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(host)
    }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        try check(rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor), "mock topic \(name)")
    }

    /// Takes a broker down: its connections drop and it refuses new ones until `setUp`.
    public func setDown(broker: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_down(cluster, broker), "mock broker \(broker) down")
    }

    public func setUp(broker: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_up(cluster, broker), "mock broker \(broker) up")
    }

    /// Adds round-trip latency to a broker's responses.
    public func setRoundTrip(broker: Int32, milliseconds: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_rtt(cluster, broker, milliseconds), "mock broker \(broker) rtt")
    }

    /// Makes the next `errors.count` requests of Kafka API `apiKey` fail with these codes.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, &codes)
    }

    /// Kafka API keys used with `pushRequestErrors`.
    public enum APIKey {
        public static let produce: Int16 = 0
        public static let fetch: Int16 = 1
        public static let offsetCommit: Int16 = 8
        public static let joinGroup: Int16 = 11
        public static let heartbeat: Int16 = 12
        public static let endTxn: Int16 = 26
    }
}

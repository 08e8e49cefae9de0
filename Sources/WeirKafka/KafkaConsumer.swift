import CRdKafka
import Logging
import WeirCore

/// A consumer-group member over `rd_kafka_t`. Offsets are stored only when the caller
/// says so (`enable.auto.offset.store=false`), so an input offset never moves ahead of
/// the outputs it produced.
///
/// Threading: every method blocks in C and must be called from one dedicated thread
/// (the pipeline's), never from Swift's cooperative pool. The rebalance listener runs
/// inside `poll` on that same thread.
public final class KafkaConsumer: @unchecked Sendable {
    private let handle: OpaquePointer
    private let callbackBox: RebalanceBox
    private var closed = false
    private var topicNames: [OpaquePointer: String] = [:]
    public let logger: Logger

    /// Creates the consumer. `group.id` and `bootstrap.servers` must be in `configuration`.
    public init(configuration: KafkaConfiguration, listener: ConsumerRebalanceListener? = nil,
                logger: Logger = Logger(label: "weir.kafka.consumer")) throws(KafkaError) {
        guard configuration["group.id"] != nil else {
            throw .local("a consumer needs the librdkafka property 'group.id'")
        }
        var effective = configuration
        effective.setDefault("enable.auto.offset.store", "false")
        effective.setDefault("enable.auto.commit", "false")
        effective.setDefault("auto.offset.reset", "earliest")
        let conf = try effective.makeNativeConfiguration()
        callbackBox = RebalanceBox(listener: listener, logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbackBox).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { handle, error, partitions, opaque in
            guard let handle, let partitions, let opaque else { return }
            let box = Unmanaged<RebalanceBox>.fromOpaque(opaque).takeUnretainedValue()
            box.rebalance(handle: handle, error: error, partitions: partitions)
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw .local("cannot create consumer: \(text(ofCBuffer: errorText))")
        }
        self.handle = handle
        self.logger = logger
        rd_kafka_poll_set_consumer(handle)
    }

    deinit {
        if !closed { _ = rd_kafka_consumer_close(handle) }
        rd_kafka_destroy(handle)
    }

    /// Joins the group for `topics` (names, or regular expressions starting with `^`).
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        try check(rd_kafka_subscribe(handle, list), "subscribe to \(topics)")
    }

    /// Reads partitions directly, outside group management (used to read changelogs).
    public func assign(_ partitions: [(PartitionID, Int64)]) throws(KafkaError) {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try check(rd_kafka_assign(handle, list), "assign \(partitions.map(\.0))")
    }

    /// Waits up to `timeoutMs` for the next message or event; nil when none came.
    public func poll(timeoutMs: Int32) -> ConsumerEvent? {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let error = message.pointee.err
        if error == RD_KAFKA_RESP_ERR_NO_ERROR {
            return .message(KafkaMessage(native: message, topicName: topicName(message.pointee.rkt)))
        }
        if error == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            let partition = PartitionID(topic: topicName(message.pointee.rkt), partition: message.pointee.partition)
            return .partitionEOF(partition, offset: message.pointee.offset)
        }
        var text = "consumer error"
        if message.pointee.payload != nil {
            text = String(decoding: UnsafeRawBufferPointer(start: message.pointee.payload, count: message.pointee.len),
                          as: UTF8.self)
        }
        let fatal = error == RD_KAFKA_RESP_ERR__FATAL
        return .error(KafkaError(code: error.rawValue, message: text, isFatal: fatal))
    }

    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        if let name = topicNames[topic] { return name }
        let name = String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        return name
    }

    /// Marks `offset` (the next offset to read) as safe to commit for `partition`.
    public func storeOffsets(_ offsets: [PartitionID: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_offsets_store(handle, list)
        // A partition revoked meanwhile reports _STATE per element; that is not a failure.
        if result != RD_KAFKA_RESP_ERR_NO_ERROR && result != RD_KAFKA_RESP_ERR__STATE {
            throw KafkaError(result, context: "store offsets")
        }
    }

    /// Commits stored offsets. Synchronous commits return when the coordinator answered.
    public func commitStored(synchronous: Bool) throws(KafkaError) {
        let result = rd_kafka_commit(handle, nil, synchronous ? 0 : 1)
        if result == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
        try check(result, "commit offsets")
    }

    /// Commits exactly these offsets (next offset to read per partition).
    public func commit(_ offsets: [PartitionID: Int64], synchronous: Bool) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try check(rd_kafka_commit(handle, list, synchronous ? 0 : 1), "commit offsets")
    }

    /// The group's committed offsets for `partitions` (a negative value means none).
    public func committed(_ partitions: [PartitionID], timeoutMs: Int32) throws(KafkaError) -> [PartitionID: Int64] {
        try committedWithMetadata(partitions, timeoutMs: timeoutMs).mapValues(\.offset)
    }

    /// The group's committed offsets with the metadata stored beside each.
    public func committedWithMetadata(_ partitions: [PartitionID], timeoutMs: Int32) throws(KafkaError) -> [PartitionID: (offset: Int64, metadata: String)] {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try check(rd_kafka_committed(handle, list, timeoutMs), "fetch committed offsets")
        let metadata = TopicPartitionList.metadata(list)
        var result: [PartitionID: (offset: Int64, metadata: String)] = [:]
        for entry in TopicPartitionList.entries(list) { result[entry.partition] = (entry.offset, metadata[entry.partition] ?? "") }
        return result
    }

    /// Stops fetching from `partitions` (backpressure) without leaving the group.
    public func pause(_ partitions: [PartitionID]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try check(rd_kafka_pause_partitions(handle, list), "pause \(partitions)")
    }

    public func resume(_ partitions: [PartitionID]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try check(rd_kafka_resume_partitions(handle, list), "resume \(partitions)")
    }

    /// Moves the fetch position of an assigned partition.
    public func seek(_ partition: PartitionID, to offset: Int64, timeoutMs: Int32 = 5000) throws(KafkaError) {
        let list = TopicPartitionList.make([(partition, offset)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try check(rd_kafka_seek_partitions(handle, list, timeoutMs), "seek \(partition) to \(offset)")
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [PartitionID] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try check(rd_kafka_assignment(handle, &list), "read assignment")
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList.entries(list).map(\.partition)
    }

    /// Low and high watermarks as last seen in fetch responses (no broker round trip).
    public func cachedWatermarks(_ partition: PartitionID) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? (low, high) : nil
    }

    /// The group's metadata, needed by a transactional producer to commit offsets.
    func withGroupMetadata<T>(_ body: (OpaquePointer) throws(KafkaError) -> T) throws(KafkaError) -> T {
        guard let metadata = rd_kafka_consumer_group_metadata(handle) else {
            throw .local("consumer has no group metadata")
        }
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        return try body(metadata)
    }

    /// Leaves the group cleanly: revokes partitions (the listener runs), commits if
    /// auto-commit is on, and closes. Call once, before the consumer is released.
    public func close() throws(KafkaError) {
        guard !closed else { return }
        closed = true
        try check(rd_kafka_consumer_close(handle), "close consumer")
    }

    /// The member id librdkafka was given by the group coordinator.
    public var memberID: String {
        guard let id = rd_kafka_memberid(handle) else { return "" }
        defer { rd_kafka_mem_free(handle, id) }
        return String(cString: id)
    }
}

/// Carries the listener into librdkafka's C rebalance callback and applies the
/// assignment in the protocol the group uses (eager or cooperative).
final class RebalanceBox {
    let listener: ConsumerRebalanceListener?
    let logger: Logger

    init(listener: ConsumerRebalanceListener?, logger: Logger) {
        self.listener = listener
        self.logger = logger
    }

    func rebalance(handle: OpaquePointer, error: rd_kafka_resp_err_t,
                   partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let affected = TopicPartitionList.entries(partitions).map(\.partition)
        if error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            let overrides = listener?.partitionsAssigned(affected) ?? [:]
            if !overrides.isEmpty, let elements = partitions.pointee.elems {
                for index in 0..<Int(partitions.pointee.cnt) {
                    let id = PartitionID(topic: String(cString: elements[index].topic),
                                         partition: elements[index].partition)
                    if let offset = overrides[id] { elements[index].offset = offset }
                }
            }
            logger.info("partitions assigned", metadata: ["partitions": "\(affected)", "cooperative": "\(cooperative)"])
            if cooperative {
                if let failure = rd_kafka_incremental_assign(handle, partitions) {
                    logger.error("incremental assign failed: \(KafkaError(consuming: failure))")
                }
            } else {
                let result = rd_kafka_assign(handle, partitions)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.error("assign failed: \(KafkaError(result))")
                }
            }
        } else {
            if rd_kafka_assignment_lost(handle) != 0 {
                listener?.partitionsLost(affected)
            } else {
                listener?.partitionsRevoked(affected)
            }
            logger.info("partitions revoked", metadata: ["partitions": "\(affected)"])
            if cooperative {
                if let failure = rd_kafka_incremental_unassign(handle, partitions) {
                    logger.error("incremental unassign failed: \(KafkaError(consuming: failure))")
                }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
        }
    }
}

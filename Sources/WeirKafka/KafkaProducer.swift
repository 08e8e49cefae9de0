import CRdKafka
import Logging
import WeirCore

/// The outcome of producing one message, delivered by `poll` or `flush`.
public struct DeliveryReport: Sendable {
    /// The caller's token given to `send` (never 0).
    public let token: UInt64
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let error: KafkaError?
}

/// A producer over `rd_kafka_t`, idempotent by default. Delivery reports are handed to
/// `deliveryHandler` from inside `poll`/`flush`, on the calling thread, so a pipeline
/// that polls from its own thread needs no locks around its offset tracking.
///
/// Threading: blocking calls (`poll`, `flush`, transactions) belong on a dedicated
/// thread, never on Swift's cooperative pool.
public final class KafkaProducer: @unchecked Sendable {
    let handle: OpaquePointer
    private let box: DeliveryBox
    public let isTransactional: Bool
    public let transactionalID: String?
    public let logger: Logger

    public init(configuration: KafkaConfiguration,
                logger: Logger = Logger(label: "weir.kafka.producer")) throws(KafkaError) {
        var effective = configuration
        effective.setDefault("enable.idempotence", "true")
        effective.setDefault("linger.ms", "5")
        effective.setDefault("queue.buffering.max.messages", "200000")
        transactionalID = effective["transactional.id"]
        isTransactional = transactionalID != nil
        let conf = try effective.makeNativeConfiguration()
        box = DeliveryBox()
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(box).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeUnretainedValue()
            box.deliver(message)
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw .local("cannot create producer: \(text(ofCBuffer: errorText))")
        }
        self.handle = handle
        self.logger = logger
    }

    deinit {
        // Pending messages hold no Swift memory (tokens are integers), but purge so that
        // destroy does not wait for them.
        _ = rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        rd_kafka_destroy(handle)
    }

    /// Receives every delivery report. Set it before the first `send`.
    public var deliveryHandler: ((DeliveryReport) -> Void)? {
        get { box.handler }
        set { box.handler = newValue }
    }

    /// Enqueues one message. Throws `_QUEUE_FULL` when the bounded local queue is full
    /// (serve delivery reports with `poll` and retry) and `MSG_SIZE_TOO_LARGE` for a
    /// message over `message.max.bytes`.
    public func send(_ message: OutgoingMessage, token: UInt64) throws(KafkaError) {
        precondition(token != 0, "delivery tokens must be non-zero")
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
                    }
                } else {
                    _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
                }
            }
        }
        let error: OpaquePointer? = message.topic.withCString { topic in
            withOptionalBytes(message.key) { key in
                withOptionalBytes(message.value) { value in
                    var values: [rd_kafka_vu_t] = []
                    values.reserveCapacity(7)
                    var item = rd_kafka_vu_t()
                    item.vtype = RD_KAFKA_VTYPE_TOPIC
                    item.u.cstr = topic
                    values.append(item)
                    if let partition = message.partition {
                        item = rd_kafka_vu_t(); item.vtype = RD_KAFKA_VTYPE_PARTITION; item.u.i32 = partition
                        values.append(item)
                    }
                    item = rd_kafka_vu_t(); item.vtype = RD_KAFKA_VTYPE_VALUE
                    item.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress); item.u.mem.size = value.count
                    values.append(item)
                    if message.key != nil {
                        item = rd_kafka_vu_t(); item.vtype = RD_KAFKA_VTYPE_KEY
                        item.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress); item.u.mem.size = key.count
                        values.append(item)
                    }
                    if let headers {
                        item = rd_kafka_vu_t(); item.vtype = RD_KAFKA_VTYPE_HEADERS; item.u.headers = headers
                        values.append(item)
                    }
                    if let timestamp = message.timestamp {
                        item = rd_kafka_vu_t(); item.vtype = RD_KAFKA_VTYPE_TIMESTAMP; item.u.i64 = timestamp
                        values.append(item)
                    }
                    item = rd_kafka_vu_t(); item.vtype = RD_KAFKA_VTYPE_OPAQUE
                    item.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(token))
                    values.append(item)
                    item = rd_kafka_vu_t(); item.vtype = RD_KAFKA_VTYPE_MSGFLAGS; item.u.i = RD_KAFKA_MSG_F_COPY
                    values.append(item)
                    return rd_kafka_produceva(handle, &values, values.count)
                }
            }
        }
        if let error {
            // On failure the headers were not taken over by librdkafka.
            if let headers { rd_kafka_headers_destroy(headers) }
            throw KafkaError(consuming: error, context: "produce to \(message.topic)")
        }
    }

    /// Serves delivery reports for up to `timeoutMs`; returns how many events were served.
    @discardableResult
    public func poll(timeoutMs: Int32) -> Int {
        Int(rd_kafka_poll(handle, timeoutMs))
    }

    /// Waits until every enqueued message is delivered or failed (reports are served).
    public func flush(timeoutMs: Int32) throws(KafkaError) {
        try check(rd_kafka_flush(handle, timeoutMs), "flush producer")
    }

    /// Messages enqueued and not yet reported.
    public var outstanding: Int { Int(rd_kafka_outq_len(handle)) }

    /// The fatal error that ended an idempotent or transactional producer, if any.
    public var fatalError: KafkaError? {
        var reason = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &reason, reason.count)
        if code == RD_KAFKA_RESP_ERR_NO_ERROR { return nil }
        return KafkaError(code: code.rawValue, message: text(ofCBuffer: reason), isFatal: true)
    }

    // MARK: Transactions

    /// Registers `transactional.id` with the coordinator, fencing any older producer with
    /// the same id and aborting its open transaction.
    public func initTransactions(timeoutMs: Int32) throws(KafkaError) {
        try check(rd_kafka_init_transactions(handle, timeoutMs), "init transactions")
    }

    public func beginTransaction() throws(KafkaError) {
        try check(rd_kafka_begin_transaction(handle), "begin transaction")
    }

    /// Adds the consumer's input offsets to the open transaction, so that they commit
    /// if and only if the transaction's outputs do. `metadata` is stored with each offset
    /// (Weir stores the transaction's id: the proof, after a crash, of whose commit it was).
    public func sendOffsetsToTransaction(_ offsets: [PartitionID: Int64], consumer: KafkaConsumer, metadata: String = "",
                                         timeoutMs: Int32) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = TopicPartitionList.make(offsets.map { ($0.key, $0.value) }, metadata: metadata)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try consumer.withGroupMetadata { metadata throws(KafkaError) in
            try check(rd_kafka_send_offsets_to_transaction(handle, list, metadata, timeoutMs),
                      "send offsets to transaction")
        }
    }

    public func commitTransaction(timeoutMs: Int32) throws(KafkaError) {
        try check(rd_kafka_commit_transaction(handle, timeoutMs), "commit transaction")
    }

    public func abortTransaction(timeoutMs: Int32) throws(KafkaError) {
        try check(rd_kafka_abort_transaction(handle, timeoutMs), "abort transaction")
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    guard let bytes else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return bytes.withUnsafeBytes(body)
}

/// Routes librdkafka's C delivery callback to the producer's handler.
final class DeliveryBox {
    var handler: ((DeliveryReport) -> Void)?
    private var topicNames: [OpaquePointer: String] = [:]

    func deliver(_ message: UnsafePointer<rd_kafka_message_t>) {
        let raw = message.pointee
        let token = UInt64(UInt(bitPattern: raw._private))
        guard token != 0, let handler else { return }
        var topic = ""
        if let rkt = raw.rkt {
            if let name = topicNames[rkt] {
                topic = name
            } else {
                topic = String(cString: rd_kafka_topic_name(rkt))
                topicNames[rkt] = topic
            }
        }
        let error = raw.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(raw.err, context: "deliver to \(topic)")
        handler(DeliveryReport(token: token, topic: topic, partition: raw.partition, offset: raw.offset, error: error))
    }
}

extension KafkaProducer {
    /// The `transactional.id` this producer was configured with, or "" when it has none.
    public var transactionalIDOrEmpty: String { transactionalID ?? "" }
}

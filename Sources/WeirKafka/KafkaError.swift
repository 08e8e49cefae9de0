import CRdKafka

/// An error from librdkafka or from Weir's use of it, with the flags librdkafka attaches
/// to transactional errors (retriable, fatal, abort required).
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let isRetriable: Bool
    public let isFatal: Bool
    public let requiresAbort: Bool

    public init(code: Int32, message: String, isRetriable: Bool = false, isFatal: Bool = false,
                requiresAbort: Bool = false) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.requiresAbort = requiresAbort
    }

    /// An error that is not a librdkafka response code (configuration, usage).
    public static func local(_ message: String) -> KafkaError {
        KafkaError(code: -1, message: message)
    }

    init(_ code: rd_kafka_resp_err_t, context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(code))
        self.init(code: code.rawValue, message: context.map { "\($0): \(text)" } ?? text)
    }

    /// Takes ownership of `error` and destroys it.
    init(consuming error: OpaquePointer, context: String? = nil) {
        let text = String(cString: rd_kafka_error_string(error))
        self.init(code: rd_kafka_error_code(error).rawValue,
                  message: context.map { "\($0): \(text)" } ?? text,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0,
                  isFatal: rd_kafka_error_is_fatal(error) != 0,
                  requiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
        rd_kafka_error_destroy(error)
    }

    /// The librdkafka symbolic name, such as `_QUEUE_FULL` or `MSG_SIZE_TOO_LARGE`.
    public var name: String {
        code == -1 ? "WEIR_LOCAL" : String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    public var isQueueFull: Bool { code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue }
    /// The operation is not allowed in the client's current state (for a transactional
    /// producer: the transaction must be aborted first).
    public var isWrongState: Bool { code == RD_KAFKA_RESP_ERR__STATE.rawValue }

    /// The message was purged from the producer's queue (as an aborted transaction's are).
    public var isPurged: Bool {
        code == RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue || code == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT.rawValue
    }

    public var isMessageTooLarge: Bool {
        code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue
    }

    public var description: String { "\(message) (\(name))" }
}

/// Throws for a non-zero librdkafka response code.
@inline(__always)
func check(_ code: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws(KafkaError) {
    if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code, context: context()) }
}

/// Throws for a non-nil `rd_kafka_error_t`, destroying it.
@inline(__always)
func check(_ error: OpaquePointer?, _ context: @autoclosure () -> String) throws(KafkaError) {
    if let error { throw KafkaError(consuming: error, context: context()) }
}

/// Text of a NUL-terminated C buffer that librdkafka filled in.
func text(ofCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

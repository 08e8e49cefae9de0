import CRdKafka
import WeirCore

/// A record consumed from Kafka, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    public var timestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
                headers: [RecordHeader], timestamp: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// The message as a source record for the stream runtime.
    public var rawRecord: RawRecord {
        RawRecord(key: key, value: value, headers: headers, timestamp: timestamp,
                  origin: RecordOrigin(topic: topic, partition: partition, offset: offset))
    }

    init(native message: UnsafeMutablePointer<rd_kafka_message_t>, topicName: String) {
        let raw = message.pointee
        topic = topicName
        partition = raw.partition
        offset = raw.offset
        key = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        value = raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let stamp = rd_kafka_message_timestamp(message, &timestampType)
        timestamp = timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : stamp
        var headerList: [RecordHeader] = []
        var nativeHeaders: OpaquePointer?
        if rd_kafka_message_headers(message, &nativeHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let nativeHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var pointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(nativeHeaders, index, &name, &pointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = pointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headerList.append(RecordHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
                index += 1
            }
        }
        headers = headerList
    }
}

/// A record to produce. A nil partition lets the partitioner choose (by key hash).
public struct OutgoingMessage: Sendable, Equatable {
    public var topic: String
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    public var timestamp: Int64?

    public init(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
                headers: [RecordHeader] = [], timestamp: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

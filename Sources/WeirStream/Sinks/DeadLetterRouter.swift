import Foundation
import WeirCore
import WeirKafka

/// Turns a rejected record into a dead letter that loses nothing: the original key,
/// value and headers, plus headers naming the source topic, partition and offset, the
/// error class, the field and the message. A Kafka dead-letter topic carries exactly
/// that; a file gets one JSON object per line with the same facts.
public enum DeadLetterRouter {
    public static let sourceTopicHeader = "weir.source.topic"
    public static let sourcePartitionHeader = "weir.source.partition"
    public static let sourceOffsetHeader = "weir.source.offset"
    public static let errorClassHeader = "weir.error.class"
    public static let errorMessageHeader = "weir.error.message"
    public static let errorFieldHeader = "weir.error.field"

    /// The dead letter in the form `sink` takes: headers for Kafka, a JSON line for files.
    public static func letter(for record: RawRecord, error: RecordError, to sink: any EventSink) -> OutgoingMessage {
        sink.isSynchronous ? jsonLine(for: record, error: error) : kafkaMessage(for: record, error: error)
    }

    /// The dead letter for a Kafka sink (its topic is set by the sink).
    public static func kafkaMessage(for record: RawRecord, error: RecordError) -> OutgoingMessage {
        var headers = record.headers
        headers.append(RecordHeader(sourceTopicHeader, record.origin.topic))
        headers.append(RecordHeader(sourcePartitionHeader, String(record.origin.partition)))
        headers.append(RecordHeader(sourceOffsetHeader, String(record.origin.offset)))
        headers.append(RecordHeader(errorClassHeader, error.stage.rawValue))
        headers.append(RecordHeader(errorMessageHeader, error.description))
        if let field = error.field { headers.append(RecordHeader(errorFieldHeader, field)) }
        return OutgoingMessage(topic: "", key: record.key, value: record.value, headers: headers,
                               timestamp: record.timestamp)
    }

    /// The dead letter as one JSON line, for file and stdout dead-letter sinks.
    public static func jsonLine(for record: RawRecord, error: RecordError) -> OutgoingMessage {
        var object = JSONObject()
        object["error_class"] = .string(error.stage.rawValue)
        object["error"] = .string(error.description)
        if let field = error.field { object["field"] = .string(field) }
        object["source_topic"] = .string(record.origin.topic)
        object["source_partition"] = .number(Double(record.origin.partition))
        object["source_offset"] = .number(Double(record.origin.offset))
        if let timestamp = record.timestamp { object["timestamp"] = .number(Double(timestamp)) }
        add(record.key, as: "key", to: &object)
        add(record.value, as: "value", to: &object)
        if !record.headers.isEmpty {
            object["headers"] = .array(record.headers.map { header in
                var entry = JSONObject([("name", .string(header.name))])
                add(header.value, as: "value", to: &entry)
                return .object(entry)
            })
        }
        return OutgoingMessage(topic: "", key: record.key, value: JSONWriter.bytes(of: .object(object)))
    }

    /// Text bytes go in as a string; anything else as base64 under `<name>_base64`.
    static func add(_ bytes: [UInt8]?, as name: String, to object: inout JSONObject) {
        guard let bytes else { return }
        if let text = String(validating: bytes, as: UTF8.self) {
            object[name] = .string(text)
        } else {
            object[name + "_base64"] = .string(Data(bytes).base64EncodedString())
        }
    }
}

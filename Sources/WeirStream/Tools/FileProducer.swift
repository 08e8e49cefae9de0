import WeirCore
import WeirKafka

/// Produces each line of a file (or each record of a capture) to a topic, waiting for
/// every delivery report. Used by `weir produce` and to seed the embedded broker.
public enum FileProducer {
    /// Returns how many records were delivered; throws on the first failed delivery.
    @discardableResult
    public static func produce(file: String, format: FileSourceSpec.Format, topic: String, keyField: String?,
                               configuration: KafkaConfiguration) throws -> Int {
        let reader = try FileRecordReader(path: file, format: format)
        let producer = try KafkaProducer(configuration: configuration)
        var delivered = 0
        var failure: KafkaError?
        producer.deliveryHandler = { report in
            if let error = report.error { failure = failure ?? error } else { delivered += 1 }
        }
        var sent = 0
        while let record = try reader.next() {
            var key = record.key
            if let keyField, let value = record.value, case .object(let object)? = try? JSONParser.parse(value) {
                switch object[keyField] {
                case .string(let text)?: key = Array(text.utf8)
                case .number(let number)?: key = JSONWriter.bytes(of: .number(number))
                default: break
                }
            }
            let message = OutgoingMessage(topic: topic, partition: format == .capture ? record.origin.partition : nil,
                                          key: key, value: record.value, headers: record.headers,
                                          timestamp: record.timestamp)
            while true {
                do {
                    try producer.send(message, token: UInt64(sent + 1))
                    break
                } catch {
                    guard error.isQueueFull else { throw error }
                    producer.poll(timeoutMs: 10)
                }
            }
            sent += 1
            if let failure { throw failure }
        }
        try producer.flush(timeoutMs: 60_000)
        if let failure { throw failure }
        return delivered
    }
}

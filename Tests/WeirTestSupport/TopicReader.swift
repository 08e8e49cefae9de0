import Foundation
import WeirCore
import WeirKafka

/// Reads every record of a topic from the beginning to its current end: the verifier's
/// view of an output topic.
public enum TopicReader {
    /// `readCommitted: false` reads past open transactions too (a verifier that filters by
    /// the transaction logs itself needs it where the broker never times out the open
    /// transaction of a killed producer, as Tansu does not).
    public static func readAll(topic: String, bootstrap: String, timeoutSeconds: Double = 30, readCommitted: Bool = true) throws -> [KafkaMessage] {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]))
        guard let partitions = try admin.partitionCounts(topic: topic)[topic] else { return [] }
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": bootstrap, "group.id": "verifier-\(UUID().uuidString)", "enable.partition.eof": "true",
            "isolation.level": readCommitted ? "read_committed" : "read_uncommitted",
        ]))
        defer { try? consumer.close() }
        try consumer.assign((0..<Int32(partitions)).map { (PartitionID(topic: topic, partition: $0), Int64(-2)) })
        var messages: [KafkaMessage] = []
        var finished = Set<Int32>()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while finished.count < partitions, Date() < deadline {
            switch consumer.poll(timeoutMs: 100) {
            case .message(let message)?: messages.append(message)
            case .partitionEOF(let partition, _)?: finished.insert(partition.partition)
            default: continue
            }
        }
        return messages
    }
}

import Foundation
import WeirCore
import WeirKafka

/// Reads every record of a topic from the beginning to its current end: the verifier's
/// view of an output topic.
public enum TopicReader {
    public static func readAll(topic: String, bootstrap: String, timeoutSeconds: Double = 30) throws -> [KafkaMessage] {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]))
        guard let partitions = try admin.partitionCounts(topic: topic)[topic] else { return [] }
        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": bootstrap, "group.id": "verifier-\(UUID().uuidString)", "enable.partition.eof": "true",
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

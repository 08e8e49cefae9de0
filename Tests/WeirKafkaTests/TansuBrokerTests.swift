import Foundation
import Testing
import WeirCore
import WeirTestSupport
@testable import WeirKafka

/// The Kafka client against Tansu, a real broker in another process.
@Suite(.serialized)
struct TansuBrokerTests {
    static let groupSettings = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]

    @Test func adminCreatesTopicsAndReadsMetadata() throws {
        let broker = try TansuBroker()
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers]))
        try admin.createTopic("four", partitions: 4)
        try admin.createTopic("four", partitions: 4) // an existing topic is fine by default
        #expect(try admin.partitionCounts(topic: "four")["four"] == 4)
        #expect(try admin.brokers() == [broker.bootstrapServers])
    }

    @Test func largeValuesHeadersAndKeysRoundTrip() throws {
        let broker = try TansuBroker()
        try broker.createTopic("big", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaConfiguration([
            "bootstrap.servers": broker.bootstrapServers, "message.max.bytes": "16777216",
        ]))
        var errors: [KafkaError] = []
        producer.deliveryHandler = { if let error = $0.error { errors.append(error) } }
        let large = [UInt8](repeating: 0x61, count: 5 << 20)
        try producer.send(OutgoingMessage(topic: "big", key: Array("k".utf8), value: large,
                                          headers: [RecordHeader("h", "v"), RecordHeader(name: "null", value: nil)]), token: 1)
        try producer.flush(timeoutMs: 30_000)
        #expect(errors.isEmpty, "\(errors)")
        let messages = try TopicReader.readAll(topic: "big", bootstrap: broker.bootstrapServers)
        #expect(messages.count == 1)
        #expect(messages.first?.value?.count == large.count)
        #expect(messages.first?.headers == [RecordHeader("h", "v"), RecordHeader(name: "null", value: nil)])
    }

    @Test func transactionsCommitOffsetsWithOutputsAndFenceOlderProducers() throws {
        let broker = try TansuBroker()
        try broker.createTopic("in", partitions: 1)
        try broker.createTopic("out", partitions: 1)
        let seed = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers]))
        for index in 0..<5 { try seed.send(OutgoingMessage(topic: "in", key: nil, value: Array("\(index)".utf8)), token: 1) }
        try seed.flush(timeoutMs: 10_000)

        let consumer = try KafkaConsumer(configuration: KafkaConfiguration(
            ["bootstrap.servers": broker.bootstrapServers, "group.id": "txn"].merging(Self.groupSettings) { $1 }))
        try consumer.subscribe(["in"])
        let producer = try KafkaProducer(configuration: KafkaConfiguration([
            "bootstrap.servers": broker.bootstrapServers, "transactional.id": "weir-test-1",
        ]))
        var delivered = 0
        producer.deliveryHandler = { if $0.error == nil { delivered += 1 } }
        try producer.initTransactions(timeoutMs: 30_000)
        try producer.beginTransaction()
        var last: Int64 = -1
        let deadline = Date().addingTimeInterval(30)
        while last < 4, Date() < deadline {
            if case .message(let message)? = consumer.poll(timeoutMs: 100) {
                try producer.send(OutgoingMessage(topic: "out", key: message.key, value: message.value), token: 1)
                last = message.offset
            }
        }
        #expect(last == 4)
        let partition = PartitionID(topic: "in", partition: 0)
        try producer.sendOffsetsToTransaction([partition: last + 1], consumer: consumer, metadata: "weir.txn=t-1", timeoutMs: 30_000)
        try producer.commitTransaction(timeoutMs: 30_000)
        #expect(delivered == 5)
        #expect(try consumer.committed([partition], timeoutMs: 10_000)[partition] == 5)
        // Tansu keeps the offset but not the metadata a transaction commits with it (Kafka
        // keeps both): on this broker a crashed transaction's outcome stays unproven.
        #expect(try consumer.committedWithMetadata([partition], timeoutMs: 10_000)[partition]?.offset == 5)

        // A new producer with the same transactional.id fences the old one.
        let successor = try KafkaProducer(configuration: KafkaConfiguration([
            "bootstrap.servers": broker.bootstrapServers, "transactional.id": "weir-test-1",
        ]))
        try successor.initTransactions(timeoutMs: 30_000)
        #expect(throws: KafkaError.self) {
            try producer.beginTransaction()
            try producer.send(OutgoingMessage(topic: "out", key: nil, value: [1]), token: 2)
            try producer.commitTransaction(timeoutMs: 10_000)
        }
        try consumer.close()
    }
}

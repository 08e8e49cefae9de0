import Testing
import WeirCore
@testable import WeirKafka

/// Round trips through librdkafka's mock cluster: real TCP, real protocol, no I/O mocks.
@Suite(.serialized)
struct MockClusterRoundTripTests {
    @Test func brokerDownThenUpLosesNothing() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("flaky", partitions: 1)
        // A request in flight when the broker vanishes is retried only after request.timeout.ms
        // (30 s by default): shorten it so the test does not depend on that timing.
        let producer = try KafkaProducer(configuration: KafkaConfiguration([
            "bootstrap.servers": cluster.bootstrapServers, "request.timeout.ms": "5000", "reconnect.backoff.max.ms": "1000",
        ]))
        var delivered = 0
        var failed = 0
        producer.deliveryHandler = { if $0.error == nil { delivered += 1 } else { failed += 1 } }
        for index in 0..<10 { try producer.send(OutgoingMessage(topic: "flaky", key: nil, value: [UInt8(index)]), token: 1) }
        try producer.flush(timeoutMs: 10_000)
        try cluster.setDown(broker: 1)
        for index in 10..<20 { try producer.send(OutgoingMessage(topic: "flaky", key: nil, value: [UInt8(index)]), token: 1) }
        producer.poll(timeoutMs: 2_000)
        #expect(delivered == 10, "nothing can be delivered while the broker is down")
        try cluster.setUp(broker: 1)
        try producer.flush(timeoutMs: 60_000)
        #expect(delivered == 20)
        #expect(failed == 0)
    }

    func produce(_ count: Int, to topic: String, bootstrap: String) throws -> [DeliveryReport] {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]))
        var reports: [DeliveryReport] = []
        producer.deliveryHandler = { reports.append($0) }
        for index in 0..<count {
            let message = OutgoingMessage(topic: topic, key: Array("key-\(index % 7)".utf8),
                                          value: Array("{\"n\":\(index)}".utf8),
                                          headers: [RecordHeader("trace", "t\(index)")], timestamp: 1_700_000_000_000)
            try producer.send(message, token: UInt64(index + 1))
        }
        try producer.flush(timeoutMs: 10_000)
        return reports
    }

    @Test func producedMessagesArriveWithKeysHeadersAndTimestamps() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("input", partitions: 3)
        let reports = try produce(50, to: "input", bootstrap: cluster.bootstrapServers)
        #expect(reports.count == 50)
        #expect(reports.allSatisfy { $0.error == nil })
        #expect(Set(reports.map(\.token)) == Set(1...50))

        let consumer = try KafkaConsumer(configuration: KafkaConfiguration([
            "bootstrap.servers": cluster.bootstrapServers, "group.id": "g1",
        ]))
        try consumer.subscribe(["input"])
        var seen: [KafkaMessage] = []
        for _ in 0..<200 where seen.count < 50 {
            if case .message(let message)? = consumer.poll(timeoutMs: 100) { seen.append(message) }
        }
        #expect(seen.count == 50)
        let first = try #require(seen.first { $0.value == Array("{\"n\":0}".utf8) })
        #expect(first.key == Array("key-0".utf8))
        #expect(first.headers == [RecordHeader("trace", "t0")])
        #expect(first.timestamp == 1_700_000_000_000)
        // Same key, same partition: the partitioner keeps per-key order.
        let byKey = Dictionary(grouping: seen, by: { $0.key! })
        #expect(byKey.values.allSatisfy { Set($0.map(\.partition)).count == 1 })
        try consumer.close()
    }

    @Test func committedOffsetsAreWhereASecondMemberResumes() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("events", partitions: 1)
        _ = try produce(20, to: "events", bootstrap: cluster.bootstrapServers)
        let config = KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "group.id": "resume",
                                         "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
        do {
            let consumer = try KafkaConsumer(configuration: config)
            try consumer.subscribe(["events"])
            var read = 0
            for _ in 0..<200 where read < 10 {
                if case .message(let message)? = consumer.poll(timeoutMs: 100) {
                    read += 1
                    if read == 10 {
                        try consumer.storeOffsets([PartitionID(topic: "events", partition: 0): message.offset + 1])
                    }
                }
            }
            try consumer.commitStored(synchronous: true)
            let committed = try consumer.committed([PartitionID(topic: "events", partition: 0)], timeoutMs: 5000)
            #expect(committed[PartitionID(topic: "events", partition: 0)] == 10)
            try consumer.close()
        }
        let second = try KafkaConsumer(configuration: config)
        try second.subscribe(["events"])
        var firstOffset: Int64?
        for _ in 0..<300 where firstOffset == nil {
            if case .message(let message)? = second.poll(timeoutMs: 100) { firstOffset = message.offset }
        }
        #expect(firstOffset == 10)
        try second.close()
    }

    @Test func unknownPropertyIsNamed() {
        #expect {
            _ = try KafkaProducer(configuration: KafkaConfiguration(["no.such.property": "1"]))
        } throws: { error in
            "\(error)".contains("no.such.property")
        }
    }
}

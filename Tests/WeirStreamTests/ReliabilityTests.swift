import Foundation
import Testing
import WeirCore
import WeirKafka
import WeirTestSupport
@testable import WeirStream

/// Real `weir` processes against real brokers, killed, stopped and restarted mid-stream,
/// with a verifier that reads the output topic. Tansu runs in its own process, so it
/// survives a kill -9 of weir.
@Suite(.serialized)
struct ReliabilityTests {
    static func topology(group: String, delivery: String = "at_least_once", stateful: Bool = false,
                         assignment: String = "range,roundrobin") -> String {
        """
        name: reliability
        source: {kafka: {topic: in, group: \(group)}}
        operators:
          - project: {fields: [id, user]}
        \(stateful ? "  - key_by: {field: user}\n  - count_by_key: {output_field: n}" : "")
        sinks: [kafka: {topic: out}]
        delivery: \(delivery)
        commit_interval_ms: 200
        kafka_consumer:
          session.timeout.ms: "6000"
          heartbeat.interval.ms: "500"
          partition.assignment.strategy: \(assignment)
        """
    }

    static func ids(in messages: [KafkaMessage]) -> [Int] {
        messages.compactMap { message in
            (try? JSONParser.parse(message.value ?? []))?.objectValue?["id"]?.doubleValue.map { Int($0) }
        }
    }

    /// A fresh Tansu with 4-partition `in` and `out` topics, and a folder holding `topology`.
    func tansu(folder name: String, topology: String) throws -> (TansuBroker, URL) {
        let broker = try TansuBroker()
        try broker.createTopic("in", partitions: 4)
        try broker.createTopic("out", partitions: 4)
        let folder = try TestPaths.scratchFolder(name)
        try topology.write(to: folder.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
        return (broker, folder)
    }

    func start(_ folder: URL, _ name: String, bootstrap: String, extra: [String] = []) throws -> WeirProcess {
        try WeirProcess(["run", "topology.yaml", "-b", bootstrap, "--stop-when-idle", "4"] + extra, in: folder, name: name)
    }

    @Test func killNineThenRestartLosesNothing() throws {
        let (broker, folder) = try tansu(folder: "kill9", topology: Self.topology(group: "kill9"))
        let first = try start(folder, "first", bootstrap: broker.bootstrapServers)
        #expect(first.waitForOutput(containing: "partitions assigned", seconds: 30), "\(first.stderr.suffix(2000))")
        let input = SteadyProducer(topic: "in", bootstrap: broker.bootstrapServers, count: 10_000, seconds: 6)
        Thread.sleep(forTimeInterval: 2.0)
        first.signal(SIGKILL)
        first.wait(seconds: 10)
        let before = Self.ids(in: try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers))
        #expect(before.count > 0 && before.count < 10_000, "killed mid-stream (\(before.count) outputs)")
        try input.waitUntilDone()
        let second = try start(folder, "second", bootstrap: broker.bootstrapServers)
        #expect(second.wait(seconds: 90), "restarted instance stops when idle")
        #expect(second.terminationStatus == 0, "\(second.stderr.suffix(2000))")
        let ids = Self.ids(in: try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers))
        let missing = Set(0..<10_000).subtracting(ids)
        #expect(missing.isEmpty, "\(missing.count) inputs never reached the output")
    }

    @Test func sigtermThenRestartWritesNoDuplicates() throws {
        let (broker, folder) = try tansu(folder: "sigterm", topology: Self.topology(group: "sigterm"))
        let first = try start(folder, "first", bootstrap: broker.bootstrapServers)
        #expect(first.waitForOutput(containing: "partitions assigned", seconds: 30))
        let input = SteadyProducer(topic: "in", bootstrap: broker.bootstrapServers, count: 10_000, seconds: 6)
        Thread.sleep(forTimeInterval: 2.0)
        first.signal(SIGTERM)
        #expect(first.wait(seconds: 30), "SIGTERM drains and exits")
        #expect(first.terminationStatus == 0, "\(first.stderr.suffix(2000))")
        let before = Self.ids(in: try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers))
        #expect(before.count > 0 && before.count < 10_000, "stopped mid-stream (\(before.count) outputs)")
        try input.waitUntilDone()
        let second = try start(folder, "second", bootstrap: broker.bootstrapServers)
        #expect(second.wait(seconds: 90))
        let ids = Self.ids(in: try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers))
        #expect(ids.count == 10_000, "every input exactly once after a clean stop (\(ids.count) outputs)")
        #expect(Set(ids) == Set(0..<10_000))
    }

    /// Eager (range) and incremental (cooperative-sticky) rebalancing both hand state over.
    @Test(arguments: ["range,roundrobin", "cooperative-sticky"])
    func survivorOfTwoTakesAllPartitionsWithTheirState(assignment: String) throws {
        let (broker, folder) = try tansu(folder: "pair", topology: Self.topology(group: "pair", stateful: true, assignment: assignment))
        let one = try start(folder, "one", bootstrap: broker.bootstrapServers, extra: ["--stop-when-idle", "12"])
        let two = try start(folder, "two", bootstrap: broker.bootstrapServers, extra: ["--stop-when-idle", "12"])
        #expect(one.waitForOutput(containing: "partitions assigned", seconds: 30))
        #expect(two.waitForOutput(containing: "partitions assigned", seconds: 30))
        let input = SteadyProducer(topic: "in", bootstrap: broker.bootstrapServers, count: 6_000, users: 40, seconds: 8)
        Thread.sleep(forTimeInterval: 3.0)
        one.signal(SIGKILL)
        try input.waitUntilDone()
        #expect(two.wait(seconds: 120))
        #expect(two.terminationStatus == 0, "\(two.stderr.suffix(2000))")
        let outputs = try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers)
        let missing = Set(0..<6_000).subtracting(Self.ids(in: outputs))
        #expect(missing.isEmpty, "\(missing.count) inputs lost")
        // Keyed state moved with its partitions: the last count per user equals its inputs.
        var highest: [String: Int] = [:]
        for message in outputs {
            guard let object = (try? JSONParser.parse(message.value ?? []))?.objectValue,
                  let user = object["user"]?.stringValue, let count = object["n"]?.doubleValue else { continue }
            highest[user] = max(highest[user] ?? 0, Int(count))
        }
        #expect(highest.count == 40)
        #expect(highest.values.allSatisfy { $0 == 150 }, "counts per user: \(Set(highest.values).sorted())")
    }

    @Test func exactlyOnceAcrossKillNine() throws {
        let (broker, folder) = try tansu(folder: "eos", topology: Self.topology(group: "eos", delivery: "exactly_once"))
        let log = ["--transaction-log", "transactions.log"]
        let first = try start(folder, "first", bootstrap: broker.bootstrapServers, extra: log)
        #expect(first.waitForOutput(containing: "partitions assigned", seconds: 30), "\(first.stderr.suffix(2000))")
        let input = SteadyProducer(topic: "in", bootstrap: broker.bootstrapServers, count: 5_000, seconds: 6)
        Thread.sleep(forTimeInterval: 2.5)
        first.signal(SIGKILL)
        first.wait(seconds: 10)
        try input.waitUntilDone()
        let second = try start(folder, "second", bootstrap: broker.bootstrapServers, extra: log)
        #expect(second.wait(seconds: 90))
        #expect(second.terminationStatus == 0, "\(second.stderr.suffix(2000))")

        let committed = try TransactionLog.committedIDs(inFile: folder.appendingPathComponent("transactions.log").path)
        #expect(!committed.isEmpty)
        let outputs = try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers)
        let visible = outputs.filter { message in
            message.headers.last(named: TransactionLog.header)?.text.map(committed.contains) ?? false
        }
        let ids = Self.ids(in: visible)
        #expect(ids.count == 5_000, "committed outputs: \(ids.count) of 5000 (all outputs incl. aborted: \(outputs.count))")
        #expect(Set(ids) == Set(0..<5_000))
    }

    /// Two exactly-once instances of one topology: they do not fence each other (distinct
    /// default transactional ids), and after one is killed the union of their transaction
    /// logs keeps every input exactly once: the survivor attests the transactions whose
    /// offsets it took over, and nothing unproven counts as committed.
    @Test func twoExactlyOnceInstancesKillOneKeepEveryInputOnce() throws {
        let (broker, folder) = try tansu(folder: "eos-pair", topology: Self.topology(group: "eos-pair", delivery: "exactly_once"))
        let one = try start(folder, "one", bootstrap: broker.bootstrapServers, extra: ["--transaction-log", "one.log", "--stop-when-idle", "12"])
        let two = try start(folder, "two", bootstrap: broker.bootstrapServers, extra: ["--transaction-log", "two.log", "--stop-when-idle", "12"])
        #expect(one.waitForOutput(containing: "partitions assigned", seconds: 30), "\(one.stderr.suffix(2000))")
        #expect(two.waitForOutput(containing: "partitions assigned", seconds: 30), "\(two.stderr.suffix(2000))")
        let input = SteadyProducer(topic: "in", bootstrap: broker.bootstrapServers, count: 6_000, seconds: 8)
        Thread.sleep(forTimeInterval: 3.0)
        #expect(!one.stderr.contains("fenced") && !two.stderr.contains("fenced"), "instances fenced each other")
        one.signal(SIGKILL)
        try input.waitUntilDone()
        #expect(two.wait(seconds: 120))
        #expect(two.terminationStatus == 0, "\(two.stderr.suffix(2000))")
        var committed = Set<String>()
        for log in ["one.log", "two.log"] {
            committed.formUnion(try TransactionLog.committedIDs(inFile: folder.appendingPathComponent(log).path))
        }
        // One never restarts, so its open transaction stays open on a broker that never times
        // it out (Tansu): read past it; the logs say which transactions count.
        let outputs = try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers, readCommitted: false)
        let visible = outputs.filter { $0.headers.last(named: TransactionLog.header)?.text.map(committed.contains) ?? false }
        let ids = Self.ids(in: visible)
        let missing = Set(0..<6_000).subtracting(ids)
        #expect(missing.isEmpty, "\(missing.count) inputs missing from committed outputs (\(outputs.count) outputs in all, \(committed.count) committed transactions)")
        #expect(ids.count == 6_000, "\(ids.count - Set(ids).count) duplicates among committed outputs")
    }

    @Test func brokerDownForTenSecondsThenUp() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("in", partitions: 2)
        try cluster.createTopic("out", partitions: 2)
        let folder = try TestPaths.scratchFolder("down")
        try Self.topology(group: "down").write(to: folder.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
        let input = SteadyProducer(topic: "in", bootstrap: cluster.bootstrapServers, count: 3_000, seconds: 14)
        let weir = try start(folder, "weir", bootstrap: cluster.bootstrapServers, extra: ["--stop-when-idle", "8"])
        #expect(weir.waitForOutput(containing: "partitions assigned", seconds: 30))
        Thread.sleep(forTimeInterval: 1.0)
        try cluster.setDown(broker: 1)
        Thread.sleep(forTimeInterval: 10.0)
        try cluster.setUp(broker: 1)
        try input.waitUntilDone()
        #expect(weir.wait(seconds: 120))
        #expect(weir.terminationStatus == 0, "\(weir.stderr.suffix(2000))")
        let missing = Set(0..<3_000).subtracting(Self.ids(in: try TopicReader.readAll(topic: "out", bootstrap: cluster.bootstrapServers)))
        #expect(missing.isEmpty, "\(missing.count) inputs lost across the outage")
    }

    @Test func poisonRecordsGoToTheDeadLetterTopicAndTheStreamGoesOn() throws {
        let topology = """
            name: poison
            source: {kafka: {topic: in, group: poison}}
            schema: {features: [v], missing: reject}
            sinks: [kafka: {topic: out}]
            dead_letter: {kafka: {topic: dlq}}
            kafka_consumer: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}
            """
        let (broker, folder) = try tansu(folder: "poison", topology: topology)
        try broker.createTopic("dlq", partitions: 1)
        var records: [(key: String?, value: [UInt8])] = (0..<1_000).map { ("g\($0 % 5)", Array(#"{"id":\#($0),"v":1.5}"#.utf8)) }
        records.insert(contentsOf: [
            ("invalid-json", Array(#"{"id":"#.utf8)),
            ("wrong-type", Array(#"{"id":-1,"v":[1]}"#.utf8)),
            ("nan", Array(#"{"id":-2,"v":"NaN"}"#.utf8)),
            ("huge", Array(#"{"id":-3,"v":1,"pad":""#.utf8) + [UInt8](repeating: 0x7A, count: 5 << 20) + Array(#""}"#.utf8)),
        ], at: 500)
        try produce(records, to: "in", bootstrap: broker.bootstrapServers)
        let weir = try start(folder, "weir", bootstrap: broker.bootstrapServers)
        #expect(weir.wait(seconds: 90))
        #expect(weir.terminationStatus == 0, "\(weir.stderr.suffix(2000))")
        let outputs = Self.ids(in: try TopicReader.readAll(topic: "out", bootstrap: broker.bootstrapServers))
        #expect(Set(outputs) == Set(0..<1_000))
        let letters = try TopicReader.readAll(topic: "dlq", bootstrap: broker.bootstrapServers)
        let classes = Dictionary(uniqueKeysWithValues: letters.map {
            (String(decoding: $0.key ?? [], as: UTF8.self), $0.headers.last(named: "weir.error.class")?.text ?? "")
        })
        #expect(classes == ["invalid-json": "decode", "wrong-type": "schema", "nan": "schema", "huge": "oversize"])
        #expect(letters.first { $0.key == Array("huge".utf8) }?.value?.count == records[503].value.count)
    }
}

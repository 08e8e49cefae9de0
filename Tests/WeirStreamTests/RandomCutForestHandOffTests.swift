import Foundation
import Testing
import WeirCatalog
import WeirCore
import WeirKafka
import WeirTestSupport
import WeirStream

/// Per-key forests follow their partitions between real `weir` processes on a real broker
/// (Tansu): one is killed before it ever snapshotted, the next relearns from the
/// changelog's watermark, a third takes over cleanly. Every output must equal what one
/// uninterrupted process computes.
@Suite(.serialized)
struct RandomCutForestHandOffTests {
    static let operatorBody = "{shingle_size: 4, seed: 9, snapshot_interval_ms: 600000}"

    static let lines: [String] = {
        let path = TestPaths.repository.appendingPathComponent("datasets/metrics/hosts.jsonl").path
        return ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }()

    /// Scores of one uninterrupted run, by host and timestamp.
    static func reference() throws -> [String: Double] {
        let spec = try TopologyLoader.parse("""
            name: reference
            source: {file: {path: hosts.jsonl, format: lines}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu, latency_ms], missing: nan}
            operators:
              - random_cut_forest: \(operatorBody)
            sinks: [stdout: {}]
            """, file: "reference.yaml", catalog: .weir)
        let processor = RecordProcessor(spec: spec)
        try processor.open()
        var events: [Event] = []
        for (index, line) in lines.enumerated() {
            try processor.transform(RawRecord(key: nil, value: Array(line.utf8), origin: RecordOrigin(topic: "f", partition: 0, offset: Int64(index))),
                                    into: &events)
        }
        var scores: [String: Double] = [:]
        for event in events { scores[identity(event.fields)] = event.fields["anomaly_score"]?.doubleValue }
        return scores
    }

    static func identity(_ object: JSONObject) -> String {
        "\(object["host"]?.stringValue ?? "?")@\(object["ts"]?.doubleValue ?? -1)"
    }

    static func produceLines(_ range: Range<Int>, bootstrap: String) throws {
        let records = lines[range].map { line -> (key: String?, value: [UInt8]) in
            let host = (try? JSONParser.parse(line))?.objectValue?["host"]?.stringValue
            return (host, Array(line.utf8))
        }
        try produce(records, to: "metrics", bootstrap: bootstrap)
    }

    @Test func forestsSurviveAKillAndACleanHandOff() throws {
        let broker = try TansuBroker()
        try broker.createTopic("metrics", partitions: 2)
        try broker.createTopic("scored", partitions: 2)
        let folder = try TestPaths.scratchFolder("rcf-handoff")
        try """
            name: rcf-handoff
            source: {kafka: {topic: metrics, group: rcf}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu, latency_ms], missing: nan}
            operators:
              - random_cut_forest: \(Self.operatorBody)
            sinks: [kafka: {topic: scored}]
            commit_interval_ms: 200
            kafka_consumer: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}
            """.write(to: folder.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
        func start(_ name: String, idle: Int) throws -> WeirProcess {
            try WeirProcess(["run", "topology.yaml", "-b", broker.bootstrapServers, "--stop-when-idle", "\(idle)"], in: folder, name: name)
        }

        // 1. The first process scores 2,000 records, commits, and is killed before its
        //    first snapshot round (the interval is ten minutes).
        try Self.produceLines(0..<2000, bootstrap: broker.bootstrapServers)
        let first = try start("first", idle: 60)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, (try TopicReader.readAll(topic: "scored", bootstrap: broker.bootstrapServers, timeoutSeconds: 5)).count < 2000 {
            Thread.sleep(forTimeInterval: 1)
        }
        Thread.sleep(forTimeInterval: 1.5)
        first.signal(SIGKILL)
        first.wait(seconds: 10)

        // 2. The next one relearns the forests from the watermark, then scores on.
        try Self.produceLines(2000..<4000, bootstrap: broker.bootstrapServers)
        let second = try start("second", idle: 4)
        #expect(second.wait(seconds: 180))
        #expect(second.terminationStatus == 0, "\(second.stderr.suffix(2000))")
        #expect(second.stderr.contains("relearned="), "\(second.stderr.suffix(1500))")

        // 3. A clean stop snapshots every forest: the third process relearns nothing.
        try Self.produceLines(4000..<6000, bootstrap: broker.bootstrapServers)
        let third = try start("third", idle: 4)
        #expect(third.wait(seconds: 180))
        #expect(third.terminationStatus == 0, "\(third.stderr.suffix(2000))")
        #expect(!third.stderr.contains("relearned="), "\(third.stderr.suffix(1500))")

        let expected = try Self.reference()
        var seen: Set<String> = []
        var mismatches: [String] = []
        for message in try TopicReader.readAll(topic: "scored", bootstrap: broker.bootstrapServers) {
            guard let object = (try? JSONParser.parse(message.value ?? []))?.objectValue else { continue }
            let id = Self.identity(object)
            seen.insert(id)
            if object["anomaly_score"]?.doubleValue != expected[id] { mismatches.append(id) }
        }
        #expect(seen.count == 6000, "\(seen.count) distinct records scored")
        #expect(mismatches.isEmpty, "\(mismatches.count) scores differ from an uninterrupted run, first \(mismatches.prefix(5))")
    }
}

import Foundation
import Testing
import WeirCatalog
import WeirCore
import WeirKafka
import WeirTestSupport
@testable import WeirStream

/// The Kafka pipeline in-process against librdkafka's mock cluster and Tansu.
@Suite(.serialized)
struct KafkaPipelineTests {
    /// On Tansu: librdkafka's mock cluster cannot serve a produce batch that mixes a 5 MB
    /// record with small ones (consumers skip the whole batch), so this runs on a real broker.
    @Test func atLeastOnceDeliversEveryRecordAndDeadLettersPoison() async throws {
        let cluster = try TansuBroker()
        for topic in ["in", "out", "dlq"] { try cluster.createTopic(topic, partitions: 3) }
        var records: [(key: String?, value: [UInt8])] = (0..<300).map { index in
            ("k\(index % 17)", Array(#"{"id":\#(index),"v":\#(Double(index) / 4)}"#.utf8))
        }
        let poison: [(key: String?, value: [UInt8])] = [
            ("bad-json", Array(#"{"id":1,"v":"#.utf8)),
            ("bad-type", Array(#"{"id":2,"v":"high"}"#.utf8)),
            ("bad-nan", Array(#"{"id":3,"v":"NaN"}"#.utf8)),
            ("too-big", Array(#"{"id":4,"v":1,"pad":""#.utf8) + [UInt8](repeating: 0x78, count: 5 << 20) + Array(#""}"#.utf8)),
        ]
        records.insert(contentsOf: poison, at: 150)
        try produce(records, to: "in", bootstrap: cluster.bootstrapServers)

        let stats = try await runKafkaTopology("""
            source: {kafka: {topic: in, group: g1}}
            schema: {features: [v], missing: reject}
            operators:
              - project: {fields: [id, v]}
            sinks: [kafka: {topic: out}]
            dead_letter: {kafka: {topic: dlq}}
            kafka_consumer:
            \(testGroupSettings)
            """, bootstrap: cluster.bootstrapServers)
        #expect(stats.recordsIn == 304)
        #expect(stats.recordsOut == 300)
        #expect(stats.deadLettered == 4)

        let output = try TopicReader.readAll(topic: "out", bootstrap: cluster.bootstrapServers)
        #expect(output.count == 300)
        let ids = output.compactMap { try? JSONParser.parse($0.value ?? []).objectValue?["id"]?.doubleValue }
        let missing = Set((0..<300).map(Double.init)).subtracting(ids)
        #expect(missing.isEmpty, "missing ids: \(missing.sorted().prefix(10))")

        let letters = try TopicReader.readAll(topic: "dlq", bootstrap: cluster.bootstrapServers)
        #expect(letters.count == 4)
        let byKey = Dictionary(uniqueKeysWithValues: letters.map { (String(decoding: $0.key ?? [], as: UTF8.self), $0) })
        #expect(byKey["bad-json"]?.headers.last(named: "weir.error.class")?.text == "decode")
        #expect(byKey["bad-type"]?.headers.last(named: "weir.error.field")?.text == "v")
        #expect(byKey["bad-nan"]?.headers.last(named: "weir.error.class")?.text == "schema")
        #expect(byKey["too-big"]?.headers.last(named: "weir.error.class")?.text == "oversize")
        let keptWhole = byKey["too-big"]?.value == poison[3].value
        #expect(keptWhole, "the dead letter keeps the whole original value")
        #expect(byKey["bad-json"]?.headers.last(named: "weir.source.topic")?.text == "in")
        #expect(byKey["bad-json"]?.headers.last(named: "weir.source.offset") != nil)

        // Every input offset is committed: a new member of the group has nothing to read.
        let again = try await runKafkaTopology("""
            source: {kafka: {topic: in, group: g1}}
            sinks: [kafka: {topic: out}]
            kafka_consumer:
            \(testGroupSettings)
            """, bootstrap: cluster.bootstrapServers)
        #expect(again.recordsIn == 0)
    }

    /// The idle timeout counts from the last record handled: an operator that spends longer
    /// than the timeout on one burst of buffered records must not stop the pipeline early
    /// (it did: the clock started at the burst's first record).
    @Test func slowBurstsDoNotLookIdle() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("metrics", partitions: 1)
        try cluster.createTopic("scored", partitions: 1)
        let records = (0..<3_000).map { index -> (key: String?, value: [UInt8]) in
            ("h\(index % 3)", Array(#"{"host":"h\#(index % 3)","v":\#(Double(index % 17))}"#.utf8))
        }
        try produce(records, to: "metrics", bootstrap: cluster.bootstrapServers)
        // 100 trees of 512 samples: a burst of 1,000 records takes well over the 0.5 s timeout
        // in a debug build, and still seconds in release.
        let stats = try await runKafkaTopology("""
            source: {kafka: {topic: metrics, group: slow}}
            schema: {key: host, features: [v]}
            operators:
              - random_cut_forest: {shingle_size: 8, num_trees: 200, sample_size: 1024, attribution_every_input: true}
            sinks: [kafka: {topic: scored}]
            kafka_consumer:
            \(testGroupSettings)
            """, bootstrap: cluster.bootstrapServers, idleSeconds: 3)
        #expect(stats.recordsIn == 3_000)
    }

    @Test func keyedStateFollowsItsPartitionToTheNextInstance() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in ["events", "counted"] { try cluster.createTopic(topic, partitions: 2) }
        let topology = """
            source: {kafka: {topic: events, group: counters}}
            operators:
              - key_by: {field: user}
              - count_by_key: {output_field: n}
            sinks: [kafka: {topic: counted}]
            kafka_consumer:
            \(testGroupSettings)
            """
        func batch(_ range: Range<Int>) -> [(key: String?, value: [UInt8])] {
            range.map { index in ("u\(index % 5)", Array(#"{"user":"u\#(index % 5)","i":\#(index)}"#.utf8)) }
        }
        try produce(batch(0..<100), to: "events", bootstrap: cluster.bootstrapServers)
        let first = try await runKafkaTopology(topology, bootstrap: cluster.bootstrapServers)
        #expect(first.recordsIn == 100)

        try produce(batch(100..<150), to: "events", bootstrap: cluster.bootstrapServers)
        let second = try await runKafkaTopology(topology, bootstrap: cluster.bootstrapServers)
        #expect(second.recordsIn == 50, "the second instance resumes after the committed offsets")

        let counted = try TopicReader.readAll(topic: "counted", bootstrap: cluster.bootstrapServers)
        var highest: [String: Double] = [:]
        for message in counted {
            let object = try #require(try JSONParser.parse(message.value ?? []).objectValue)
            let user = try #require(object["user"]?.stringValue)
            highest[user] = max(highest[user] ?? 0, object["n"]?.doubleValue ?? 0)
        }
        // Each user has 30 events; counts restored from the changelog continue from 20.
        #expect(highest == ["u0": 30, "u1": 30, "u2": 30, "u3": 30, "u4": 30])
        #expect(counted.count == 150)
    }

    /// A transaction whose outputs fail is aborted, its inputs are re-read from the
    /// committed offsets, and every input still appears exactly once among the outputs of
    /// committed transactions. The mock's first AddPartitionsToTxn answers with an
    /// abortable error (TOPIC_AUTHORIZATION_FAILED), which dooms the first transaction.
    @Test func abortedTransactionIsRetriedWithoutDuplicates() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: 1) }
        try produce((0..<200).map { ("k\($0 % 4)", Array(#"{"id":\#($0)}"#.utf8)) }, to: "in",
                    bootstrap: cluster.bootstrapServers)
        cluster.pushRequestErrors(apiKey: 24, errors: [29]) // AddPartitionsToTxn: TOPIC_AUTHORIZATION_FAILED
        let folder = try TestPaths.scratchFolder("abort")
        let log = folder.appendingPathComponent("transactions.log").path
        let stats = try await runKafkaTopology("""
            source: {kafka: {topic: in, group: aborts, transactional_id: abort-test}}
            sinks: [kafka: {topic: out}]
            delivery: exactly_once
            commit_interval_ms: 300
            kafka_consumer:
            \(testGroupSettings)
            """, bootstrap: cluster.bootstrapServers, transactionLog: log)
        #expect(stats.transactionsAborted >= 1)
        #expect(stats.transactionsCommitted >= 1)
        let committed = try TransactionLog.committedIDs(inFile: log)
        let outputs = try TopicReader.readAll(topic: "out", bootstrap: cluster.bootstrapServers)
        let ids = outputs.filter { message in
            message.headers.last(named: TransactionLog.header)?.text.map(committed.contains) ?? false
        }.compactMap { try? JSONParser.parse($0.value ?? []).objectValue?["id"]?.doubleValue }
        #expect(ids.count == 200, "committed outputs \(ids.count), all outputs \(outputs.count)")
        #expect(Set(ids) == Set((0..<200).map(Double.init)))
    }

    /// A restart of an exactly-once instance that finds the group's committed offset below
    /// one its transaction log proves committed (a broker lost the commit, or the offsets
    /// were reset) says so: the check remembers earlier runs, not only this one.
    @Test func aLostCommitIsReportedAfterARestart() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: 1) }
        try produce((0..<60).map { ("k", Array(#"{"id":\#($0)}"#.utf8)) }, to: "in", bootstrap: cluster.bootstrapServers)
        let log = try TestPaths.scratchFolder("lost-commit").appendingPathComponent("transactions.log").path
        func topology(group: String) -> String {
            """
            source: {kafka: {topic: in, group: \(group)}}
            sinks: [kafka: {topic: out}]
            delivery: exactly_once
            commit_interval_ms: 200
            kafka_consumer:
            \(testGroupSettings)
            """
        }
        let first = try await runKafkaTopology(topology(group: "lost"), bootstrap: cluster.bootstrapServers, transactionLog: log)
        #expect(first.recordsOut == 60 && first.committedOffsetsBackwards == 0)
        // The group's offsets are gone (as when a broker loses them; here a group that never
        // committed, since the mock cluster refuses a rewinding commit from outside the group).
        let second = try await runKafkaTopology(topology(group: "lost-again"), bootstrap: cluster.bootstrapServers, transactionLog: log)
        #expect(second.committedOffsetsBackwards == 1, "\(second)")
        #expect(second.recordsIn == 60)
    }

    /// A forest spilling to `state_dir` inside a transaction that aborts must not learn the
    /// aborted records twice: its committed outputs are the ones a run without the abort
    /// gives (it learned them twice: the spilled and the dropped states kept the aborted
    /// batch, and the re-read records were learned on top).
    @Test func abortedTransactionDoesNotTeachSpilledForestsTwice() async throws {
        func scores(abort: Bool) async throws -> [Double: Double] {
            let cluster = try MockCluster(brokers: 1)
            for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: 1) }
            try produce((0..<240).map { index in
                ("h\(index % 4)", Array(#"{"id":\#(index),"host":"h\#(index % 4)","v":\#(Double((index * 37) % 11))}"#.utf8))
            }, to: "in", bootstrap: cluster.bootstrapServers)
            if abort { cluster.pushRequestErrors(apiKey: 24, errors: [29]) }
            let folder = try TestPaths.scratchFolder(abort ? "abort-forest" : "clean-forest")
            let log = folder.appendingPathComponent("transactions.log").path
            let stats = try await runKafkaTopology("""
                source: {kafka: {topic: in, group: forests, transactional_id: forest-test}}
                schema: {key: host, features: [v]}
                operators:
                  - random_cut_forest: {shingle_size: 2, num_trees: 10, sample_size: 32, output_after: 4, seed: 9,
                                        max_resident_keys: 1, state_dir: "\(folder.appendingPathComponent("state").path)"}
                sinks: [kafka: {topic: out}]
                delivery: exactly_once
                commit_interval_ms: 300
                kafka_consumer:
                \(testGroupSettings)
                """, bootstrap: cluster.bootstrapServers, transactionLog: log)
            #expect(stats.transactionsAborted >= (abort ? 1 : 0))
            let committed = try TransactionLog.committedIDs(inFile: log)
            var scores: [Double: Double] = [:]
            for message in try TopicReader.readAll(topic: "out", bootstrap: cluster.bootstrapServers)
            where message.headers.last(named: TransactionLog.header)?.text.map(committed.contains) ?? false {
                let object = try #require(try JSONParser.parse(message.value ?? []).objectValue)
                let id = try #require(object["id"]?.doubleValue)
                #expect(scores[id] == nil, "id \(id) committed twice")
                scores[id] = object["anomaly_score"]?.doubleValue ?? -1
            }
            return scores
        }
        let clean = try await scores(abort: false)
        let aborted = try await scores(abort: true)
        #expect(clean.count == 240)
        #expect(aborted == clean)
    }

    /// A slow output broker fills the bounded in-flight window: consumption pauses and
    /// resumes instead of buffering without limit, and nothing is lost.
    @Test func slowSinkPausesConsumptionAndLosesNothing() async throws {
        let cluster = try MockCluster(brokers: 1)
        for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: 2) }
        try produce((0..<2_000).map { ("k\($0 % 9)", Array(#"{"id":\#($0)}"#.utf8)) }, to: "in",
                    bootstrap: cluster.bootstrapServers)
        try cluster.setRoundTrip(broker: 1, milliseconds: 50)
        let stats = try await runKafkaTopology("""
            source: {kafka: {topic: in, group: slow}}
            sinks: [kafka: {topic: out}]
            kafka_consumer:
            \(testGroupSettings)
            kafka_producer: {linger.ms: "0", max.in.flight: "1"}
            """, bootstrap: cluster.bootstrapServers, maxInFlight: 50)
        #expect(stats.backpressurePauses > 0)
        #expect(stats.recordsIn == 2_000)
        try cluster.setRoundTrip(broker: 1, milliseconds: 0)
        let ids = try TopicReader.readAll(topic: "out", bootstrap: cluster.bootstrapServers)
            .compactMap { try? JSONParser.parse($0.value ?? []).objectValue?["id"]?.doubleValue }
        #expect(Set(ids) == Set((0..<2_000).map(Double.init)))
    }
}

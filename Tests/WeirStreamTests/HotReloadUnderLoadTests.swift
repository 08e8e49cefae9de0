import Foundation
import Testing
import WeirCatalog
import WeirCore
import WeirKafka
import WeirMath
import WeirRCF
import WeirRegistry
import WeirStream
import WeirTestSupport

/// Hot reload in a running Kafka pipeline: a steady stream while five new versions are
/// published and promoted. Per partition the versions on the outputs never go backwards,
/// and every input is scored exactly once.
struct HotReloadUnderLoadTests {
    static func publish(_ registry: ModelRegistry, seed: UInt64) throws -> Int {
        var configuration = RandomCutForest.Configuration(dimensions: 1)
        configuration.numberOfTrees = 20
        configuration.sampleSize = 64
        configuration.seed = seed
        let forest = RandomCutForest(configuration)
        for value in 0..<2_000 { forest.update([Float(value)]) }
        return try registry.publish(SnapshotEnvelope(algorithm: "randomcutforest", modelName: "m",
                                                     featureSchemaHash: SnapshotEnvelope.schemaHash(of: ["id"]),
                                                     payload: forest.encoded())).version
    }

    @Test func versionsNeverGoBackwardsAndEveryRecordIsScoredOnce() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("in", partitions: 4)
        try cluster.createTopic("out", partitions: 4)
        let folder = try TestPaths.scratchFolder("reload-under-load")
        let registry = try ModelRegistry(directory: folder.path)
        try registry.promote("m", version: try Self.publish(registry, seed: 1), to: .production)
        let topology = """
            name: reload
            source: {kafka: {topic: in, group: reload}}
            schema: {key: user, features: [id]}
            operators:
              - random_cut_forest: {shingle_size: 1, model: {registry: "\(folder.path)", name: m, reload_interval_ms: 50}}
            sinks: [kafka: {topic: out}]
            kafka_consumer:
            \(testGroupSettings)
            """
        let input = SteadyProducer(topic: "in", bootstrap: cluster.bootstrapServers, count: 8_000, users: 20, seconds: 10)
        let published = DispatchSemaphore(value: 0)
        let directory = folder.path, bootstrap = cluster.bootstrapServers
        let publisher = Thread {
            do {
                // Once the stream is flowing (the group has joined), a version every 0.6 s.
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline, (try TopicReader.readAll(topic: "out", bootstrap: bootstrap, timeoutSeconds: 2)).isEmpty {
                    Thread.sleep(forTimeInterval: 0.2)
                }
                let writer = try ModelRegistry(directory: directory)
                for seed in 2...6 {
                    Thread.sleep(forTimeInterval: 0.6)
                    try writer.promote("m", version: try Self.publish(writer, seed: UInt64(seed)), to: .production)
                }
            } catch {
                Issue.record("publishing failed: \(error)")
            }
            published.signal()
        }
        publisher.start()
        let stats = try await runKafkaTopology(topology, bootstrap: cluster.bootstrapServers, idleSeconds: 3)
        try input.waitUntilDone()
        published.wait()
        #expect(stats.recordsIn == 8_000)

        let outputs = try TopicReader.readAll(topic: "out", bootstrap: cluster.bootstrapServers)
        var ids: [Int] = []
        var versionsByPartition: [Int32: [Int]] = [:]
        for message in outputs.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            let object = try #require(try JSONParser.parse(message.value ?? []).objectValue)
            ids.append(Int(object["id"]?.doubleValue ?? -1))
            let label = object["model_version"]?.stringValue ?? ""
            let version = try #require(Int(label.dropFirst("m:v".count)), "model_version \(label)")
            versionsByPartition[message.partition, default: []].append(version)
        }
        #expect(ids.count == 8_000 && Set(ids) == Set(0..<8_000), "\(ids.count) outputs, \(Set(ids).count) distinct")
        for (partition, versions) in versionsByPartition {
            #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 <= $1 }, "partition \(partition) went backwards")
        }
        let seen = Set(versionsByPartition.values.flatMap { $0 })
        #expect(seen.isSubset(of: Set(1...6)))
        #expect(seen.count >= 4, "versions seen: \(seen.sorted())")
    }
}

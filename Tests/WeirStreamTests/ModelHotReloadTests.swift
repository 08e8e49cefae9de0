import Foundation
import Testing
import WeirCatalog
import WeirCore
import WeirMath
import WeirRCF
import WeirRegistry
import WeirStream
import WeirTestSupport

/// The random cut forest operator serving a model from the registry: new versions swap in
/// between two records, refused ones leave the served version in place, and explicit
/// changes (even to an older version) are followed.
struct ModelHotReloadTests {
    static func payload(center: Float, seed: UInt64) -> [UInt8] {
        var configuration = RandomCutForest.Configuration(dimensions: 2)
        configuration.numberOfTrees = 20
        configuration.sampleSize = 64
        configuration.seed = seed
        let forest = RandomCutForest(configuration)
        var random = RandomSource(seed: seed)
        for _ in 0..<500 { forest.update([center + Float(random.normal()), center + Float(random.normal())]) }
        return forest.encoded()
    }

    static func publish(_ registry: ModelRegistry, center: Float, seed: UInt64, features: [String] = ["cpu", "latency"]) throws -> Int {
        try registry.publish(SnapshotEnvelope(algorithm: "randomcutforest", modelName: "m",
                                              featureSchemaHash: SnapshotEnvelope.schemaHash(of: features),
                                              payload: payload(center: center, seed: seed))).version
    }

    static func processor(registry: String, policy: String, baking: String = "") throws -> RecordProcessor {
        let spec = try TopologyLoader.parse("""
            name: hot-reload
            source: {file: {path: in.jsonl}}
            schema: {key: host, features: [cpu, latency]}
            operators:
              - random_cut_forest:
                  shingle_size: 1
                  model: {registry: "\(registry)", name: m, reload_interval_ms: 0, on_reload: \(policy)\(baking)}
            sinks: [stdout: {}]
            """, file: "hot-reload.yaml", catalog: .weir)
        let processor = RecordProcessor(spec: spec)
        try processor.open()
        return processor
    }

    /// Scores `count` records of `host` and returns their model versions.
    static func run(_ processor: RecordProcessor, host: String = "a", hosts: Int = 1, count: Int, from offset: inout Int) throws -> [String] {
        var random = RandomSource(seed: UInt64(offset))
        var events: [Event] = []
        for index in 0..<count {
            let name = hosts == 1 ? host : "\(host)\(index % hosts)"
            let line = #"{"host":"\#(name)","cpu":\#(random.normal()),"latency":\#(random.normal())}"#
            try processor.transform(RawRecord(key: nil, value: Array(line.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(offset))),
                                    into: &events)
            offset += 1
        }
        #expect(events.count == count, "one output per input")
        return events.map { $0.fields["model_version"]?.stringValue ?? "?" }
    }

    @Test func versionsSwapBetweenRecordsAndRefusedVersionsKeepTheServedOne() throws {
        let folder = try TestPaths.scratchFolder("hot-reload")
        let registry = try ModelRegistry(directory: folder.path)
        let first = try Self.publish(registry, center: 0, seed: 1)
        try registry.promote("m", version: first, to: .production)
        let processor = try Self.processor(registry: folder.path, policy: "replace")
        let rcf = try #require(processor.operators.first as? OnlineModelOperator<RandomCutForestAlgorithm>)
        var offset = 0
        #expect(Set(try Self.run(processor, count: 50, from: &offset)) == ["m:v1"])

        let second = try Self.publish(registry, center: 0, seed: 2)
        try registry.promote("m", version: second, to: .production)
        // The very next record is scored by v2, and no later one by v1.
        #expect(Set(try Self.run(processor, count: 50, from: &offset)) == ["m:v2"])

        // Refused: a snapshot trained on other features, and one whose file was damaged.
        let other = try Self.publish(registry, center: 0, seed: 3, features: ["x", "y"])
        try registry.promote("m", version: other, to: .production)
        #expect(Set(try Self.run(processor, count: 20, from: &offset)) == ["m:v2"])
        let damaged = try Self.publish(registry, center: 0, seed: 4)
        let file = folder.appendingPathComponent("payloads/m/\(damaged).snap")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        try registry.promote("m", version: damaged, to: .production)
        #expect(Set(try Self.run(processor, count: 20, from: &offset)) == ["m:v2"])
        #expect(rcf.modelRejections == 2)

        // An explicit change to an older version is followed.
        try registry.promote("m", version: first, to: .production)
        #expect(Set(try Self.run(processor, count: 20, from: &offset)) == ["m:v1"])
    }

    @Test func keepOnlinePolicyLeavesExistingKeysOnTheirVersion() throws {
        let folder = try TestPaths.scratchFolder("hot-reload-keep")
        let registry = try ModelRegistry(directory: folder.path)
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 1), to: .production)
        let processor = try Self.processor(registry: folder.path, policy: "keep_online")
        var offset = 0
        #expect(Set(try Self.run(processor, host: "a", count: 30, from: &offset)) == ["m:v1"])
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 2), to: .production)
        #expect(Set(try Self.run(processor, host: "a", count: 30, from: &offset)) == ["m:v1"])
        #expect(Set(try Self.run(processor, host: "b", count: 30, from: &offset)) == ["m:v2"])
    }

    /// Blue/green: a new version that grades most records anomalous while baking is rolled
    /// back in the registry (audited with its reason) and the stream returns to the old
    /// one; a sound version bakes without alarm.
    @Test func guardrailRollsBackAVersionThatRaisesTheAnomalyRate() throws {
        let folder = try TestPaths.scratchFolder("hot-reload-guardrail")
        let registry = try ModelRegistry(directory: folder.path)
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 1), to: .production)
        let processor = try Self.processor(registry: folder.path, policy: "replace",
                                           baking: ", baking: {duration_ms: 600000, max_anomaly_rate: 0.2, min_records: 50}")
        let rcf = try #require(processor.operators.first as? OnlineModelOperator<RandomCutForestAlgorithm>)
        var offset = 0
        #expect(Set(try Self.run(processor, hosts: 10, count: 100, from: &offset)) == ["m:v1"])

        // v2 learned data around 10: the stream's records around 0 all look anomalous to it.
        try registry.promote("m", version: try Self.publish(registry, center: 10, seed: 2), to: .production)
        let versions = try Self.run(processor, hosts: 10, count: 200, from: &offset)
        #expect(versions.first == "m:v2")
        #expect(versions.last == "m:v1", "rolled back to v1")
        #expect(rcf.guardrailRollbacks == 1)
        #expect(try registry.current("m").version?.version == 1)
        let rollback = try #require(try registry.auditLog(of: "m").last)
        #expect(rollback.action == "rollback" && rollback.actor == "weir guardrail" && rollback.reason.contains("anomaly rate"), "\(rollback)")

        // A sound v3 bakes through.
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 3), to: .production)
        #expect(Set(try Self.run(processor, hosts: 10, count: 200, from: &offset)) == ["m:v3"])
        #expect(rcf.guardrailRollbacks == 1)
    }

    /// A shadow model scores every record next to production: its outputs go only to the
    /// sink marked `variant: shadow`, carry the primary results beside their own, and the
    /// operator keeps agreement and score-difference statistics.
    @Test func shadowModelOutputsGoToTheirOwnSink() throws {
        let folder = try TestPaths.scratchFolder("shadow")
        let registry = try ModelRegistry(directory: folder.appendingPathComponent("registry").path)
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 1), to: .production)
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 2), to: .shadow)
        var random = RandomSource(seed: 4)
        let lines = (0..<300).map { index in
            #"{"host":"h\#(index % 3)","cpu":\#(index == 250 ? 9 : random.normal()),"latency":\#(random.normal())}"#
        }
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("in.jsonl"), atomically: true, encoding: .utf8)
        let base = folder.path
        let operatorBody = """
            {shingle_size: 1, model: {registry: "\(base)/registry", name: m, reload_interval_ms: 0},
                              shadow: {registry: "\(base)/registry", name: m, reload_interval_ms: 0}}
            """
        let yaml = """
            name: shadow
            source: {file: {path: "\(base)/in.jsonl"}}
            schema: {key: host, features: [cpu, latency]}
            operators:
              - random_cut_forest: \(operatorBody)
            sinks:
              - file: {path: "\(base)/primary.jsonl"}
              - file: {path: "\(base)/shadow.jsonl", variant: shadow}
            """
        try ReplayPipeline(spec: try TopologyLoader.parse(yaml, file: "shadow.yaml", catalog: .weir)).run()
        func objects(_ name: String) throws -> [JSONObject] {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
                .map { try JSONParser.parse(String($0)).objectValue! }
        }
        let primary = try objects("primary.jsonl"), shadow = try objects("shadow.jsonl")
        #expect(primary.count == 300 && shadow.count == 300)
        #expect(primary.allSatisfy { $0["model_version"] == .string("m:v1") && $0["primary_model_version"] == nil })
        #expect(shadow.allSatisfy { $0["model_version"] == .string("m:v2") && $0["primary_model_version"] == .string("m:v1") })
        // The spike at record 250 is an anomaly for both.
        #expect((primary[250]["anomaly_grade"]?.doubleValue ?? 0) > 0 && (shadow[250]["anomaly_grade"]?.doubleValue ?? 0) > 0)

        // The comparison, through the operator itself.
        let processor = RecordProcessor(spec: try TopologyLoader.parse(yaml, file: "shadow.yaml", catalog: .weir))
        try processor.open()
        var events: [Event] = []
        for (index, line) in lines.enumerated() {
            try processor.transform(RawRecord(key: nil, value: Array(line.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(index))),
                                    into: &events)
        }
        let rcf = try #require(processor.operators.first as? OnlineModelOperator<RandomCutForestAlgorithm>)
        #expect(rcf.shadowComparison.records == 300)
        // Two forests of the same data agree on nearly every record (measured 0.99 here).
        #expect(rcf.shadowComparison.agreementRate > 0.9, "\(rcf.shadowComparison)")
        #expect(rcf.shadowComparison.meanAbsoluteScoreDifference < 0.5, "\(rcf.shadowComparison)")
    }

    /// A version slower than the latency bound while baking is rolled back too.
    @Test func guardrailRollsBackAVersionOverTheLatencyBound() throws {
        let folder = try TestPaths.scratchFolder("hot-reload-latency")
        let registry = try ModelRegistry(directory: folder.path)
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 1), to: .production)
        // No forest scores a record in a nanosecond: every new version breaks this bound.
        let processor = try Self.processor(registry: folder.path, policy: "replace",
                                           baking: ", baking: {max_anomaly_rate: 1, min_records: 20, max_mean_latency_ms: 0.000001}")
        var offset = 0
        _ = try Self.run(processor, hosts: 4, count: 20, from: &offset)
        try registry.promote("m", version: try Self.publish(registry, center: 0, seed: 2), to: .production)
        let versions = try Self.run(processor, hosts: 4, count: 60, from: &offset)
        #expect(versions.first == "m:v2" && versions.last == "m:v1", "\(Set(versions))")
        let rollback = try #require(try registry.auditLog(of: "m").last)
        #expect(rollback.action == "rollback" && rollback.reason.contains("mean scoring time"), "\(rollback)")
    }
}

import Foundation
import Testing
import WeirAlgorithm
import WeirCatalog
import WeirCore
import WeirIPInsights
import WeirMath
import WeirRegistry
import WeirStream
import WeirTestSupport

/// The `ip_insights` operator on a small trained model: the fields it adds, alerts as a
/// variant, the unseen-entity policies, bad input to the dead-letter sink, and model
/// swaps between records (file and registry).
struct IPInsightsOperatorTests {
    /// A model that learnt alice@10.1.0.0/16 and bob@192.168.7.0/24, calibrated on them.
    static func model(seed: UInt64) -> IPInsightsModel {
        let trainer = IPInsightsTrainer(model: IPInsightsModel(configuration: .init(vectorDimension: 16, entityVectors: 64, ipVectors: 1_024),
                                                               seed: seed), options: .init(learningRate: 0.02), seed: seed)
        var random = RandomSource(seed: seed)
        var pairs: [(EntityKey, IPAddress)] = []
        for _ in 0..<400 {
            pairs.append((EntityKey("alice"), IPAddress(ipv4: 0x0A01_0000 | UInt32(random.uniformInt(below: 65_536)))))
            pairs.append((EntityKey("bob"), IPAddress(ipv4: 0xC0A8_0700 | UInt32(random.uniformInt(below: 256)))))
        }
        for (key, _) in pairs { trainer.noteEntity(key) }
        for _ in 0..<30 {
            random.shuffle(&pairs)
            trainer.train(entityRows: pairs.map { trainer.model.entityRow($0.0) }, addresses: pairs.map(\.1))
        }
        let scorer = IPInsightsScorer(model: trainer.model)
        let scores = pairs.map { scorer.score(entityRow: trainer.model.entityRow($0.0), address: $0.1) }
        trainer.setCalibration(ScoreCalibration(scores: scores), falsePositiveRate: 0.01)
        return trainer.model
    }

    static func processor(_ operatorYAML: String) throws -> RecordProcessor {
        let spec = try TopologyLoader.parse("""
            name: ipi
            source: {file: {path: access.log}}
            decode: {format: access_log, timestamp_field: time}
            operators:
              - ip_insights:
            \(operatorYAML)
            sinks: [stdout: {}, stdout: {variant: alert}]
            """, file: "ipi.yaml", catalog: .weir)
        let processor = RecordProcessor(spec: spec, catalog: .weir)
        try processor.open()
        return processor
    }

    static func line(_ user: String?, _ address: String) -> String {
        AccessLogLine(remoteAddress: address, user: user, time: 1_790_812_800, method: "POST", path: "/login", status: 200, bytes: 512,
                      referer: "-", userAgent: "test").formatted
    }

    static func run(_ processor: RecordProcessor, _ text: String, offset: Int = 0) throws(RecordError) -> [Event] {
        var events: [Event] = []
        try processor.transform(RawRecord(key: nil, value: Array(text.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(offset))),
                                into: &events)
        return events
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-ipi-op-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func scoresFlagsAndAlertsAsAVariant() throws {
        let folder = try Self.folder()
        try Data(Self.model(seed: 1).encoded()).write(to: folder.appendingPathComponent("ipinsights.model"))
        let processor = try Self.processor("      model: \(folder.path)")
        let normal = try Self.run(processor, Self.line("alice", "10.1.200.3"))
        #expect(normal.count == 1)
        #expect(normal[0].fields["fraud"] == .bool(false) && normal[0].fields["known_entity"] == .bool(true))
        let normalScore = try #require(normal[0].fields["ip_insights_score"]?.doubleValue)
        let attack = try Self.run(processor, Self.line("alice", "192.168.7.9"))  // bob's network
        #expect(attack.count == 2, "the event and its alert copy")
        let attackScore = try #require(attack[0].fields["ip_insights_score"]?.doubleValue)
        #expect(attackScore < normalScore)
        #expect(attack[0].fields["fraud"] == .bool(true) && attack[0].headers.variant == nil)
        #expect(attack[1].headers.variant == "alert" && attack[1].fields["alert_reason"] == .string("unusual_ip_for_entity"))
        #expect((attack[0].fields["ip_insights_normal_share"]?.doubleValue ?? 1) < 0.01)
        // The default policy for entities the model never saw: emitted unscored.
        let stranger = try Self.run(processor, Self.line("mallory", "10.1.2.3"))
        #expect(stranger.count == 1 && stranger[0].fields["known_entity"] == .bool(false) && stranger[0].fields["ip_insights_score"] == nil)
        // Bad input is a record error (the runtime dead-letters it) naming the field.
        #expect { try Self.run(processor, Self.line("alice", "10.1.2.999")) } throws: { ($0 as? RecordError)?.field == "remote_addr" }
        #expect { try Self.run(processor, Self.line(nil, "10.1.2.3")) } throws: { ($0 as? RecordError)?.field == "user" }
        #expect { try Self.run(processor, "this is not a log line") } throws: { ($0 as? RecordError)?.stage == .decode }
    }

    @Test(arguments: ["alert", "score", "dead_letter"])
    func unseenEntityPolicies(policy: String) throws {
        let folder = try Self.folder()
        try Data(Self.model(seed: 1).encoded()).write(to: folder.appendingPathComponent("ipinsights.model"))
        let processor = try Self.processor("      model: \(folder.path)\n      unseen_entity: \(policy)")
        switch policy {
        case "alert":
            let events = try Self.run(processor, Self.line("mallory", "10.1.2.3"))
            #expect(events.count == 2 && events[1].fields["alert_reason"] == .string("unseen_entity"))
        case "score":
            let events = try Self.run(processor, Self.line("mallory", "10.1.2.3"))
            #expect(events[0].fields["ip_insights_score"]?.doubleValue != nil && events[0].fields["known_entity"] == .bool(false))
        default:
            #expect { try Self.run(processor, Self.line("mallory", "10.1.2.3")) } throws: {
                "\($0)".contains("mallory") && "\($0)".contains("not in the model's training data")
            }
        }
    }

    @Test func aNewModelFileIsServedFromTheNextRecordAndABrokenOneIsRefused() throws {
        let folder = try Self.folder()
        let file = folder.appendingPathComponent("ipinsights.model")
        try Data(Self.model(seed: 1).encoded()).write(to: file)
        let processor = try Self.processor("      model: \(folder.path)\n      reload_interval_ms: 0")
        let first = try Self.run(processor, Self.line("alice", "10.1.200.3"))[0]
        let second = Self.model(seed: 2)
        try Data(second.encoded()).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: file.path)
        let after = try Self.run(processor, Self.line("alice", "10.1.200.3"), offset: 1)[0]
        #expect(after.fields["model_version"] != first.fields["model_version"])
        let expected = IPInsightsScorer(model: second).score(entityRow: second.entityRow(EntityKey("alice")), address: IPAddress("10.1.200.3")!)
        #expect(after.fields["ip_insights_score"] == .number(Double(expected)))
        // A damaged file does not replace the model being served.
        try Data([1, 2, 3]).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: file.path)
        let kept = try Self.run(processor, Self.line("alice", "10.1.200.3"), offset: 2)[0]
        #expect(kept.fields["model_version"] == after.fields["model_version"] && kept.fields["ip_insights_score"] == after.fields["ip_insights_score"])
    }

    @Test func registryPromotionsSwapTheModelBetweenRecords() throws {
        let folder = try Self.folder()
        let registry = try ModelRegistry(directory: folder.appendingPathComponent("registry").path)
        func publish(_ model: IPInsightsModel) throws -> Int {
            try registry.publish(SnapshotEnvelope(algorithm: "ipinsights", modelName: "logins", featureSchemaHash: SnapshotEnvelope.schemaHash(of: []),
                                                  payload: model.encoded()), validate: { try SnapshotValidator(catalog: .weir).validate($0) }).version
        }
        let v1 = try publish(Self.model(seed: 1))
        try registry.promote("logins", version: v1, to: .production)
        let processor = try Self.processor("      model: {registry: \"\(registry.directory)\", name: logins, reload_interval_ms: 0}")
        #expect(try Self.run(processor, Self.line("bob", "192.168.7.1"))[0].fields["model_version"] == .string("logins:v1"))
        let v2 = try publish(Self.model(seed: 2))
        try registry.promote("logins", version: v2, to: .production)
        var versions: [String] = []
        for offset in 1...3 {
            let events = try Self.run(processor, Self.line("bob", "192.168.7.1"), offset: offset)
            #expect(events.count == 1)
            versions.append(events[0].fields["model_version"]?.stringValue ?? "?")
        }
        #expect(versions == ["logins:v2", "logins:v2", "logins:v2"])
        // A forest is not an IP Insights model: the registry refuses it as the payload of another algorithm.
        #expect(throws: (any Error).self) {
            try registry.publish(SnapshotEnvelope(algorithm: "ipinsights", modelName: "logins", featureSchemaHash: "",
                                                  payload: [0x57, 0x45, 0x49, 0x52]), validate: { try SnapshotValidator(catalog: .weir).validate($0) })
        }
    }
}

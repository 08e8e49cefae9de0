import Foundation
import Testing
import WeirAlgorithm
import WeirCatalog
import WeirCore
import WeirDeepAR
import WeirIPInsights
import WeirRegistry
import WeirStream

/// The generic online operator over catalogue algorithms: key states survive hand-offs and
/// spills exactly, damaged states are refused, and a baking registry version is judged by
/// the verdicts and scoring time the operator measures.
struct OnlineModelOperatorTests {
    typealias Feed = DeepARForecastOperatorTests

    static func observations(_ count: Int) -> [(series: String, time: Int64, value: String, offset: Int)] {
        (0..<count).map { index in
            (index % 3 == 0 ? "a" : index % 3 == 1 ? "b" : "c", Feed.start + Int64(index / 3) * Feed.hour, "\(10 + index % 7)", index)
        }
    }

    static func feed(_ processor: RecordProcessor, _ items: ArraySlice<(series: String, time: Int64, value: String, offset: Int)>) throws -> [Int: JSONValue?] {
        var forecasts: [Int: JSONValue?] = [:]
        for item in items {
            forecasts[item.offset] = try Feed.send(processor, series: item.series, time: item.time, value: item.value, kind: 1, offset: item.offset)
                .fields["forecast_mean"]
        }
        return forecasts
    }

    static func deepAR(_ processor: RecordProcessor) throws -> OnlineModelOperator<DeepARAlgorithm> {
        try #require(processor.operators.first as? OnlineModelOperator<DeepARAlgorithm>)
    }

    /// A process that takes a partition over restores each series' history from the
    /// changelog snapshots, skips the records they already hold, and forecasts exactly as
    /// the process that never stopped.
    @Test func seriesHistoriesSurviveAHandOff() throws {
        let all = Self.observations(60)
        let whole = try Feed.processor(try Feed.folder())
        let expected = try Self.feed(whole, all[...])

        let first = try Feed.processor(try Feed.folder())
        _ = try Self.feed(first, all[0..<30])
        let partition = PartitionID(topic: "t", partition: 0)
        let leaving = try Self.deepAR(first)
        let keys = leaving.takeChangedKeys(partition: partition)
        #expect(keys == ["a", "b", "c"])
        let second = try Feed.processor(try Feed.folder())
        let arriving = try Self.deepAR(second)
        for key in keys {
            try arriving.restore(partition: partition, key: key, nextOffset: 30, from: try #require(try leaving.snapshot(partition: partition, key: key)))
        }
        // The new owner re-reads from an earlier offset: records already learnt are older than
        // the restored history, so they pass through as late records do, and are not learnt twice.
        let replayed = try Self.feed(second, all[24..<60])
        for offset in 24..<30 { #expect(replayed[offset] == .some(nil), "offset \(offset) was already learnt") }
        for offset in 30..<60 { #expect(replayed[offset] == expected[offset], "offset \(offset)") }
        #expect(expected.values.contains { $0 != nil })
    }

    /// With a state directory, states beyond `max_resident_keys` are spilled and read back:
    /// the feed is the same as with every series in memory.
    @Test func spilledStatesComeBackExactly() throws {
        let all = Self.observations(45)
        let roomy = try Self.feed(try Feed.processor(try Feed.folder()), all[...])
        let state = try Feed.folder().appendingPathComponent("state").path
        let tight = try Feed.processor(try Feed.folder(), extra: "      max_resident_keys: 1\n      state_dir: \(state)")
        #expect(try Self.feed(tight, all[...]) == roomy)
        let op = try Self.deepAR(tight)
        #expect(op.residentCount <= 1 && op.evictedCount > 0 && op.restoredCount > 0)
    }

    /// Series keyed by long or odd names spill and come back like short ones.
    @Test func longKeysSpillAndComeBack() throws {
        let long = String(repeating: "host-with-a-long-name/", count: 30)
        let all = Self.observations(45).map { (series: long + $0.series + "\\n", time: $0.time, value: $0.value, offset: $0.offset) }
        let roomy = try Self.feed(try Feed.processor(try Feed.folder()), all[...])
        let state = try Feed.folder().appendingPathComponent("state").path
        let tight = try Feed.processor(try Feed.folder(), extra: "      max_resident_keys: 1\n      state_dir: \(state)")
        #expect(try Self.feed(tight, all[...]) == roomy)
        let op = try Self.deepAR(tight)
        #expect(op.evictedCount > 0 && op.restoredCount > 0 && op.spillFailureCount == 0)
    }

    /// A state directory that cannot be written keeps evicted states in memory (the
    /// forecasts are unchanged), counts the failures, and the next checkpoint reports them.
    @Test func spillFailuresAreReportedAndLoseNothing() throws {
        let all = Self.observations(45)
        let roomy = try Self.feed(try Feed.processor(try Feed.folder()), all[...])
        let blocked = try Feed.folder().appendingPathComponent("state")
        try Data("not a folder".utf8).write(to: blocked)
        let tight = try Feed.processor(try Feed.folder(), extra: "      max_resident_keys: 1\n      state_dir: \(blocked.path)")
        #expect(try Self.feed(tight, all[...]) == roomy)
        let op = try Self.deepAR(tight)
        #expect(op.spillFailureCount > 0 && op.evictedCount == 0 && op.residentCount == 3)
        #expect {
            try tight.checkpoint()
        } throws: { error in
            "\(error)".contains("cannot spill key states to state_dir \(blocked.path)")
        }
    }

    @Test func damagedOrForeignStatesAreRefused() throws {
        let processor = try Feed.processor(try Feed.folder())
        _ = try Self.feed(processor, Self.observations(6)[...])
        let op = try Self.deepAR(processor)
        let partition = PartitionID(topic: "t", partition: 0)
        var bytes = try #require(try op.snapshot(partition: partition, key: "a"))
        bytes[bytes.count / 2] ^= 0x10
        #expect(throws: (any Error).self) { try op.restore(partition: partition, key: "a", nextOffset: 6, from: bytes) }
        #expect(throws: (any Error).self) { try op.restore(partition: partition, key: "a", nextOffset: 6, from: Array(bytes.prefix(9))) }
    }

    /// A new IP Insights version bakes: the operator times each scoring and the guardrail
    /// rolls the version back when the mean time exceeds its bound.
    @Test func bakingSeesScoringTimeAndRollsBack() throws {
        let folder = try IPInsightsOperatorTests.folder()
        let registry = try ModelRegistry(directory: folder.appendingPathComponent("registry").path)
        func publish(_ model: IPInsightsModel) throws -> Int {
            try registry.publish(SnapshotEnvelope(algorithm: "ipinsights", modelName: "logins", featureSchemaHash: SnapshotEnvelope.schemaHash(of: []),
                                                  payload: model.snapshot()), validate: { try SnapshotValidator(catalog: .weir).validate($0) }).version
        }
        try registry.promote("logins", version: try publish(IPInsightsOperatorTests.model(seed: 1)), to: .production)
        let processor = try IPInsightsOperatorTests.processor("""
                  model:
                    registry: "\(registry.directory)"
                    name: logins
                    reload_interval_ms: 0
                    baking: {duration_ms: 600000, min_records: 5, max_mean_latency_ms: 0.000001, max_anomaly_rate: 1}
            """)
        #expect(try IPInsightsOperatorTests.run(processor, IPInsightsOperatorTests.line("bob", "192.168.7.1"))[0].fields["model_version"] == .string("logins:v1"))
        try registry.promote("logins", version: try publish(IPInsightsOperatorTests.model(seed: 2)), to: .production)
        var versions: [String] = []
        for offset in 1...12 {
            versions.append(try IPInsightsOperatorTests.run(processor, IPInsightsOperatorTests.line("bob", "192.168.7.1"), offset: offset)[0]
                .fields["model_version"]?.stringValue ?? "?")
        }
        #expect(versions.first == "logins:v2" && versions.last == "logins:v1", "\(versions)")
        let op = try #require(processor.operators.first as? OnlineModelOperator<IPInsightsAlgorithm>)
        #expect(op.guardrailRollbacks == 1)
        #expect(try registry.auditLog(of: "logins").contains { $0.reason.contains("mean scoring time") })
    }
}

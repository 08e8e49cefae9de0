import Foundation
import Testing
import WeirCore
import WeirTestSupport

/// The shipped weblog-fraud topology end to end with the real `weir` binary, as a user
/// runs it: simulate a weblog, train IP Insights on its first weeks, replay the test
/// period's access log (with two broken lines added) and read the alerts.
struct WeblogFraudTopologyTests {
    @Test func replayedLogFlagsInjectedAttacks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-weblog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let generated = try WeirProcess.run(["generate", "weblog", "--users", "3000", "--seed", "21", "--out", "data"], in: folder)
        #expect(generated.status == 0, "\(generated.stderr)")
        let log = folder.appendingPathComponent("data/access.log")
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        handle.write(Data("GET / garbage\n".utf8))
        handle.write(Data(#"10.0.0.999 - user0001 [10/Nov/2026:00:00:32 +0000] "POST /login HTTP/1.1" 200 512 "-" "x""#.utf8 + [0x0A]))
        try handle.close()

        let trained = try WeirProcess.run(["train", "ipinsights", "--channel", "train=data/train.csv", "--channel", "validation=data/validation.csv",
                                           "--hp", "num_entity_vectors=6000", "--hp", "vector_dim=32", "--hp", "epochs=8",
                                           "--hp", "mini_batch_size=500", "--hp", "learning_rate=0.01", "--model-dir", "models/weblog"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("validation discriminator_auc <score>="))

        var topology = try String(contentsOf: TestPaths.repository.appendingPathComponent("topologies/weblog-fraud-replay.yaml"), encoding: .utf8)
        topology = topology.replacingOccurrences(of: "datasets/weblog/access.log", with: "data/access.log")
        // As shipped: its paths are relative to its own folder (../models, ../data).
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("topologies"), withIntermediateDirectories: true)
        try topology.write(to: folder.appendingPathComponent("topologies/weblog-fraud-replay.yaml"), atomically: true, encoding: .utf8)
        let replayed = try WeirProcess.run(["replay", "topologies/weblog-fraud-replay.yaml"], in: folder)
        #expect(replayed.status == 0, "\(replayed.stderr)")

        func objects(_ text: String) throws -> [JSONObject] {
            try text.split(separator: "\n").map { line in
                guard case .object(let object) = try JSONParser.parse(Array(line.utf8)) else { throw CocoaError(.fileReadCorruptFile) }
                return object
            }
        }
        let labels = try String(contentsOf: folder.appendingPathComponent("data/test-labels.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let attackKeys = Set(labels.filter { $0[5] == "1" }.map { "\($0[0])|\($0[1])|\($0[2])" })
        let scored = try objects(try String(contentsOf: folder.appendingPathComponent("weblog-fraud.scored.jsonl"), encoding: .utf8))
        #expect(scored.count == labels.count, "every login of the test period is scored once")
        let alerts = try objects(replayed.stdout)
        func key(_ event: JSONObject) -> String {
            "\(Int(event["time"]?.doubleValue ?? 0))|\(event["user"]?.stringValue ?? "")|\(event["remote_addr"]?.stringValue ?? "")"
        }
        let alertedAttacks = Set(alerts.map(key)).intersection(attackKeys)
        let falseAlerts = alerts.filter { !attackKeys.contains(key($0)) }.count
        #expect(attackKeys.count > 40)
        #expect(Double(alertedAttacks.count) / Double(attackKeys.count) >= 0.6, "\(alertedAttacks.count) of \(attackKeys.count) attacks alerted")
        #expect(Double(falseAlerts) / Double(labels.count - attackKeys.count) <= 0.03, "\(falseAlerts) false alerts")
        let deadLetters = try String(contentsOf: folder.appendingPathComponent("weblog-fraud.dead-letter.jsonl"), encoding: .utf8)
        #expect(deadLetters.split(separator: "\n").count == 2)
        #expect(deadLetters.contains("remote_addr") && deadLetters.contains("10.0.0.999"))
    }
}

import Foundation
import Testing
import WeirCore
import WeirFormats
import WeirIPInsights
import WeirTestSupport
@testable import WeirAlgorithm
import WeirCatalog

/// `weir train ipinsights` on the simulated weblog of 10,000 users (train 35 days,
/// validation 5, test 5), then the model in use. Trained once for the whole suite.
@Suite struct IPInsightsJobTests {
    struct Trained: Sendable {
        let folder: URL
        let metricLines: [String]
        let summary: WeblogDataset.Summary
    }

    static let trained: Result<Trained, Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-ipinsights-\(UUID().uuidString)")
        let summary = try WeblogDataset.write(WeblogSimulator(), to: folder.appendingPathComponent("data").path)
        var lines: [String] = []
        let data = folder.appendingPathComponent("data").path
        let spec = TrainingJobSpec(
            hyperparameters: ["num_entity_vectors": "20000", "vector_dim": "64", "epochs": "5", "mini_batch_size": "1000",
                              "learning_rate": "0.01", "seed": "3"],
            channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv"), path: data + "/train.csv"),
                       "validation": TrainingChannel(config: ChannelConfig(name: "validation", contentType: "text/csv"), path: data + "/validation.csv")],
            modelDirectory: folder.appendingPathComponent("model").path)
        try TrainingRunner.run("ipinsights", catalog: .weir, spec: spec, metrics: MetricsReporter { lines.append($0) })
        return Trained(folder: folder, metricLines: lines, summary: summary)
    }

    static func model(_ trained: Trained) throws -> IPInsightsModel {
        let path = trained.folder.appendingPathComponent("model/ipinsights.model").path
        return try IPInsightsModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
    }

    @Test func validationAUCOnTenThousandUsersIsAtLeast099() throws {
        let trained = try Self.trained.get()
        let aucLines = trained.metricLines.filter { $0.contains("validation discriminator_auc <score>=") }
        #expect(aucLines.count == 6) // each of 5 epochs, then the final value without epoch=
        let final = try #require(aucLines.last.flatMap { Double($0.split(separator: "=").last!) })
        #expect(final >= 0.99, "validation AUC \(final)")
        #expect(trained.metricLines.contains { $0.hasPrefix("#quality_metric: host=algo-1, epoch=4, train binary_classification_cross_entropy <loss>=") })
        #expect(trained.metricLines.contains { $0.hasPrefix("#throughput_metric: host=algo-1, train throughput=") })
        let metadata = try #require(try TrainingJobSpec.jsonObject(trained.folder.appendingPathComponent("model/model.json").path, required: true))
        #expect(metadata["algorithm"] == .string("ipinsights") && metadata["calibrated_on"] == .string("validation"))
        #expect(metadata["trained_entities"]?.doubleValue.map { $0 > 9_000 && $0 <= 10_000 } == true)
    }

    @Test func attacksScoreBelowTheSameUsersNormalLogins() throws {
        let trained = try Self.trained.get()
        let model = try Self.model(trained)
        let scorer = IPInsightsScorer(model: model)
        let labels = try String(contentsOf: trained.folder.appendingPathComponent("data/test-labels.csv"), encoding: .utf8)
        var normal: [String: [Float]] = [:], attacks: [(String, Float)] = []
        for line in labels.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            let key = EntityKey(fields[1]), address = try #require(IPAddress(fields[2]))
            let score = scorer.score(entityRow: model.entityRow(key), address: address)
            if fields[5] == "1" { attacks.append((String(fields[1]), score)) } else { normal[String(fields[1]), default: []].append(score) }
        }
        var lower = 0, pairs = 0
        for (user, score) in attacks {
            for other in normal[user] ?? [] {
                pairs += 1
                if score < other { lower += 1 }
            }
        }
        #expect(attacks.count > 50 && pairs > 500)
        #expect(Double(lower) / Double(pairs) >= 0.95, "\(lower) of \(pairs) attack/normal pairs of the same user ordered")
        // Thresholds calibrated on validation logins flag about their rate of the test
        // period's normal logins; at 2% nearly every attack is caught.
        let calibration = try #require(model.calibration)
        let allNormal = normal.values.flatMap { $0 }
        for rate in [0.005, 0.01, 0.02, 0.05] {
            let threshold = calibration.threshold(falsePositiveRate: rate)
            let flagged = Double(allNormal.filter { Double($0) < threshold }.count) / Double(allNormal.count)
            #expect(flagged > rate * 0.5 && flagged < rate * 1.5, "at \(rate): \(flagged) of normal logins flagged")
            if rate == 0.02 {
                let caught = Double(attacks.filter { Double($0.1) < threshold }.count) / Double(attacks.count)
                #expect(caught >= 0.9, "at 2%: \(caught) of attacks caught")
            }
        }
        #expect(model.falsePositiveRate == 0.01)
    }

    @Test func predictAnswersInSageMakersShapes() throws {
        let trained = try Self.trained.get()
        let model = trained.folder.appendingPathComponent("model").path
        let folder = trained.folder.appendingPathComponent("predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "user00001, 81.2.69.160\nuser00002,2001:db8::1\n".write(to: folder.appendingPathComponent("request.csv"), atomically: true, encoding: .utf8)
        try #"{"instances": [{"data": {"features": {"values": ["user00001", "81.2.69.160"]}}}, {"features": ["user00002", "2001:db8::1"]}]}"#
            .write(to: folder.appendingPathComponent("request.json"), atomically: true, encoding: .utf8)
        try "{\"features\": [\"user00001\", \"81.2.69.160\"]}\n{\"data\": {\"features\": {\"values\": [\"user00002\", \"2001:db8::1\"]}}}\n"
            .write(to: folder.appendingPathComponent("request.jsonl"), atomically: true, encoding: .utf8)
        let predictor = try AlgorithmCatalog.weir.predictor(modelDirectory: model)
        var outputs: [String] = []
        for (input, type) in [("request.csv", "text/csv"), ("request.json", "application/json"), ("request.jsonl", "application/jsonlines")] {
            let out = folder.appendingPathComponent(input + ".out").path
            let count = try BatchInference.run(predictor: predictor, input: folder.appendingPathComponent(input).path, contentType: type,
                                               accept: .json, output: out)
            #expect(count == 2)
            outputs.append(try String(contentsOfFile: out, encoding: .utf8))
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
        let document = try JSONParser.parse(Array(outputs[0].utf8))
        guard case .object(let object) = document, case .array(let predictions)? = object["predictions"],
              case .object(let first)? = predictions.first else { Issue.record("not {\"predictions\": [...]}: \(outputs[0])"); return }
        #expect(first["dot_product"]?.doubleValue != nil && first.keys == ["dot_product"])

        let verboseOut = folder.appendingPathComponent("verbose.jsonl").path
        _ = try BatchInference.run(predictor: predictor, input: folder.appendingPathComponent("request.csv").path, contentType: "text/csv",
                                   accept: .jsonLines, output: verboseOut,
                                   verbose: BatchInference.isVerbose(accept: "application/jsonlines; verbose=True"))
        let verboseLine = try String(contentsOfFile: verboseOut, encoding: .utf8).split(separator: "\n")[0]
        guard case .object(let verbose) = try JSONParser.parse(Array(verboseLine.utf8)),
              case .array(let entity)? = verbose["entity_embedding"], case .array(let ip)? = verbose["ip_embedding"] else {
            Issue.record("verbose response lacks embeddings: \(verboseLine)"); return
        }
        #expect(entity.count == 64 && ip.count == 64)
        // The dot product of the two embeddings is the score.
        let dot = zip(entity, ip).reduce(0.0) { $0 + ($1.0.doubleValue ?? 0) * ($1.1.doubleValue ?? 0) }
        #expect(abs(dot - (verbose["dot_product"]?.doubleValue ?? .nan)) < 1e-3 * max(1, abs(dot)))

        try "user00001,81.2.69.160\nuser00002,10.0.0.1\nuser00003,10.0.300.1\n".write(to: folder.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        do {
            _ = try BatchInference.run(predictor: predictor, input: folder.appendingPathComponent("bad.csv").path, contentType: "text/csv",
                                       accept: .json, output: folder.appendingPathComponent("bad.out").path)
            Issue.record("a bad address was scored")
        } catch let error as FormatError {
            #expect(error.position == .line(3) && error.field == "ip" && error.message.contains("10.0.300.1"))
        }
    }

    @Test func badTrainingRowsNameFileLineAndField() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-ipinsights-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let train = folder.appendingPathComponent("train.csv").path
        try "alice,10.0.0.1\nbob,10.0.0.2,extra\n".write(toFile: train, atomically: true, encoding: .utf8)
        let spec = TrainingJobSpec(hyperparameters: ["num_entity_vectors": "10", "vector_dim": "8"],
                                   channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv"), path: train)],
                                   modelDirectory: folder.appendingPathComponent("model").path)
        #expect { try TrainingRunner.run("ipinsights", catalog: .weir, spec: spec, metrics: MetricsReporter { _ in }) } throws: { error in
            "\(error)".contains("train.csv: line 2") && "\(error)".contains("expected 2 columns")
        }
        var badRates = spec
        badRates.hyperparameters["random_negative_sampling_rate"] = "0"
        badRates.hyperparameters["shuffled_negative_sampling_rate"] = "0"
        #expect { try TrainingRunner.run("ipinsights", catalog: .weir, spec: badRates, metrics: MetricsReporter { _ in }) } throws: { error in
            "\(error)".contains("must be between 1 and 500")
        }
        // An empty validation channel is an error before any training (it reported an AUC of nan).
        let validation = folder.appendingPathComponent("validation.csv").path
        try "".write(toFile: validation, atomically: true, encoding: .utf8)
        try "alice,10.0.0.1\nbob,10.0.0.2\n".write(toFile: train, atomically: true, encoding: .utf8)
        var emptyValidation = spec
        emptyValidation.channels["validation"] = TrainingChannel(config: ChannelConfig(name: "validation", contentType: "text/csv"), path: validation)
        var lines: [String] = []
        #expect { try TrainingRunner.run("ipinsights", catalog: .weir, spec: emptyValidation, metrics: MetricsReporter { lines.append($0) }) } throws: { error in
            "\(error)".contains("validation channel (\(validation)) holds no entity,ip pairs")
        }
        #expect(!lines.contains { $0.contains("train_loss") || $0.contains("progress") }, "no epoch ran: \(lines)")
    }
}

import Foundation
import Testing
import WeirCore
import WeirFormats
import WeirMath
import WeirTestSupport
import WeirAlgorithm
import WeirCatalog

/// Batch RCF from training to `weir predict`, in SageMaker's formats.
struct RandomCutForestJobTests {
    func data(_ folder: URL) throws -> (train: String, test: String) {
        var random = RandomSource(seed: 3)
        var train = "", test = ""
        for _ in 0..<3_000 { train += "\(random.normal()),\(random.normal())\n" }
        for index in 0..<300 {
            if index % 30 == 0 {
                test += "1,\(random.normal(mean: 8)),\(random.normal(mean: -8))\n"
            } else {
                test += "0,\(random.normal()),\(random.normal())\n"
            }
        }
        let trainPath = folder.appendingPathComponent("train.csv").path, testPath = folder.appendingPathComponent("test.csv").path
        try train.write(toFile: trainPath, atomically: true, encoding: .utf8)
        try test.write(toFile: testPath, atomically: true, encoding: .utf8)
        return (trainPath, testPath)
    }

    @Test func trainsReportsTestMetricsAndPredictsInEveryResponseType() throws {
        let folder = try TestPaths.scratchFolder("rcf-job")
        let (train, test) = try data(folder)
        var lines: [String] = []
        let spec = TrainingJobSpec(
            hyperparameters: ["feature_dim": "2", "num_trees": "50", "num_samples_per_tree": "256"],
            channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv;label_size=0"), path: train),
                       "test": TrainingChannel(config: ChannelConfig(name: "test", contentType: "text/csv;label_size=1"), path: test)],
            modelDirectory: folder.appendingPathComponent("model").path)
        try TrainingRunner.run("randomcutforest", catalog: .weir, spec: spec, metrics: MetricsReporter { lines.append($0) })
        func metric(_ name: String) -> Double? {
            lines.first { $0.contains(" test \(name) <score>=") }.flatMap { Double($0.split(separator: "=").last!) }
        }
        #expect(metric("recall") == 1, "every injected anomaly is above the threshold: \(lines)")
        #expect((metric("roc_auc") ?? 0) > 0.99)
        #expect((metric("accuracy") ?? 0) > 0.9)

        let predictor = try AlgorithmCatalog.weir.predictor(modelDirectory: spec.modelDirectory)
        let normal = try predictor.predict(DataRow(features: .dense([0.1, -0.2])))["score"]!.doubleValue!
        let outlier = try predictor.predict(DataRow(features: .dense([9, -9])))["score"]!.doubleValue!
        #expect(outlier > 3 * normal, "outlier \(outlier) vs normal \(normal)")

        let request = folder.appendingPathComponent("request.json").path
        try #"{"instances":[{"features":[0.1,-0.2]},{"data":{"features":{"values":[9,-9]}}}]}"#.write(toFile: request, atomically: true, encoding: .utf8)
        let json = folder.appendingPathComponent("response.json").path
        #expect(try BatchInference.run(predictor: predictor, input: request, contentType: "application/json", accept: .json, output: json) == 2)
        let document = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: json))))
        #expect(document.objectValue?["scores"] == .array([.object(JSONObject([("score", .number(normal))])),
                                                          .object(JSONObject([("score", .number(outlier))]))]))
        let csvRequest = folder.appendingPathComponent("request.csv").path
        try "0.1,-0.2\n9,-9\n".write(toFile: csvRequest, atomically: true, encoding: .utf8)
        let lineResponse = folder.appendingPathComponent("response.jsonl").path
        _ = try BatchInference.run(predictor: predictor, input: csvRequest, contentType: "text/csv", accept: .jsonLines, output: lineResponse)
        #expect(try String(contentsOfFile: lineResponse, encoding: .utf8).split(separator: "\n").count == 2)
        let recordResponse = folder.appendingPathComponent("response.rec").path
        _ = try BatchInference.run(predictor: predictor, input: csvRequest, contentType: "text/csv", accept: .recordIO, output: recordResponse)
        let reader = try RecordIOReader(path: recordResponse)
        var recordScores: [Float] = []
        while let (payload, _) = try reader.next() {
            // SageMaker's RecordIO answers carry each output in the label under its key.
            let row = try RecordProtobuf.decode(RecordProtobuf.encode(DataRow(features: .dense([0]))) + payload, input: "r", offset: 0)
            recordScores.append(Float(row.label[0]))
        }
        #expect(recordScores == [Float(normal), Float(outlier)])
    }

    @Test func predictRunsAsACommand() throws {
        let folder = try TestPaths.scratchFolder("rcf-cli")
        let (train, _) = try data(folder)
        let trained = try WeirProcess.run(["train", "randomcutforest", "--channel", "train=\(train)", "--content-type", "train=text/csv;label_size=0",
                                           "--hp", "feature_dim=2", "--model-dir", "model"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        try "0.1,-0.2\n9,-9\n".write(to: folder.appendingPathComponent("request.csv"), atomically: true, encoding: .utf8)
        let predicted = try WeirProcess.run(["predict", "--model", "model", "--input", "request.csv", "--accept", "text/csv"], in: folder)
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let scores = predicted.stdout.split(separator: "\n").compactMap { Double($0) }
        #expect(scores.count == 2 && scores[1] > 3 * scores[0])
        let wrong = try WeirProcess.run(["predict", "--model", "model", "--input", "request.csv", "--content-type", "text/csv;label_size=1"], in: folder)
        #expect(wrong.status == 1 && wrong.stderr.contains("has 1 values; the model takes 2"))
    }
}

import Foundation
import Testing
import WeirCore
import WeirDeepAR
import WeirFormats
@testable import WeirAlgorithm
import WeirCatalog

/// `weir train deepar` on JSON lines with categories, missing values and a test channel.
@Suite struct DeepARJobTests {
    static func write(_ folder: URL, holdOut: Int) throws -> (train: String, test: String) {
        var train = "", test = ""
        for series in 0..<8 {
            let level = 10.0 + Double(series) * 5
            let values = (0..<(140 + holdOut)).map { t -> Double in
                level * (1 + 0.3 * sin(2 * Double.pi * Double(t) / 7)) + Double((t * 7 + series * 3) % 5) - 2
            }
            func line(_ values: [Double]) -> String {
                let target = values.enumerated().map { $0.offset == 20 ? "\"NaN\"" : NumberText.format($0.element) }.joined(separator: ",")
                return "{\"start\": \"2024-01-01 00:00:00\", \"target\": [\(target)], \"cat\": [\(series % 2)]}\n"
            }
            train += line(Array(values.dropLast(holdOut)))
            test += line(values)
        }
        let trainPath = folder.appendingPathComponent("train.jsonl").path, testPath = folder.appendingPathComponent("test.jsonl").path
        try train.write(toFile: trainPath, atomically: true, encoding: .utf8)
        try test.write(toFile: testPath, atomically: true, encoding: .utf8)
        return (trainPath, testPath)
    }

    @Test func trainsEvaluatesLikeSageMakerAndReloadsIdentically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-deepar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (train, test) = try Self.write(folder, holdOut: 7)
        var lines: [String] = []
        let spec = TrainingJobSpec(
            hyperparameters: ["time_freq": "D", "context_length": "14", "prediction_length": "7", "epochs": "4", "num_cells": "16",
                              "mini_batch_size": "32", "learning_rate": "0.005", "num_batches_per_epoch": "10", "num_eval_samples": "50",
                              "likelihood": "student-T", "test_quantiles": "[0.1, 0.5, 0.9]"],
            channels: ["train": TrainingChannel(config: ChannelConfig(name: "train"), path: train),
                       "test": TrainingChannel(config: ChannelConfig(name: "test"), path: test)],
            modelDirectory: folder.appendingPathComponent("model").path)
        try TrainingRunner.run("deepar", catalog: .weir, spec: spec, metrics: MetricsReporter { lines.append($0) })
        #expect(lines.filter { $0.contains("train loss <loss>=") }.count == 4)
        func metric(_ name: String) -> Double? {
            lines.first { $0.contains(" test \(name) <loss>=") }.flatMap { Double($0.split(separator: "=").last!) }
        }
        let rmse = try #require(metric("RMSE")), mean = try #require(metric("mean_wQuantileLoss"))
        let q1 = try #require(metric("wQuantileLoss[0.1]")), q5 = try #require(metric("wQuantileLoss[0.5]")), q9 = try #require(metric("wQuantileLoss[0.9]"))
        #expect(rmse.isFinite && rmse > 0)
        #expect(abs(mean - (q1 + q5 + q9) / 3) < 1e-9)
        let metadata = try #require(try TrainingJobSpec.jsonObject(folder.appendingPathComponent("model/model.json").path, required: true))
        #expect(metadata["cardinality"] == .array([.number(2)]))
        // The saved model forecasts exactly as the trained one would from the same seed.
        let path = folder.appendingPathComponent("model/deepar.model").path
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let model = try DeepARModel(snapshot: bytes, name: path)
        #expect(model.snapshot() == bytes)
        let history = DeepARSeries(start: 1_704_067_200, values: (0..<30).map { Double($0 % 7) }, categories: [1])
        let again = try DeepARModel(snapshot: bytes, name: path)
        #expect(model.forecast(history, samples: 5, seed: 1) == again.forecast(history, samples: 5, seed: 1))

        // weir predict in SageMaker's request and response shapes.
        let request = folder.appendingPathComponent("request.json").path
        try #"{"instances": [{"start": "2024-01-01", "target": [10, 12, 9, "NaN", 11, 13, 10, 10, 12, 9, 11, 11, 13, 10, 9], "cat": [1]}], "configuration": {"num_samples": 40, "output_types": ["mean", "quantiles", "samples"], "quantiles": ["0.1", "0.9"]}}"#
            .write(toFile: request, atomically: true, encoding: .utf8)
        let predictor = try AlgorithmCatalog.weir.predictor(modelDirectory: folder.appendingPathComponent("model").path)
        let out = folder.appendingPathComponent("response.json").path
        #expect(try BatchInference.run(predictor: predictor, input: request, contentType: "application/json", accept: .json, output: out) == 1)
        guard case .object(let response) = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: out)))),
              case .array(let predictions)? = response["predictions"], case .object(let first)? = predictions.first,
              case .array(let mean)? = first["mean"], case .object(let quantiles)? = first["quantiles"],
              case .array(let low)? = quantiles["0.1"], case .array(let high)? = quantiles["0.9"], case .array(let paths)? = first["samples"] else {
            Issue.record("not SageMaker's response shape"); return
        }
        #expect(mean.count == 7 && low.count == 7 && high.count == 7 && paths.count == 40)
        #expect(zip(low, high).allSatisfy { ($0.doubleValue ?? .nan) <= ($1.doubleValue ?? .nan) })
        // The same request answers the same; a wrong instance names its field.
        let again2 = folder.appendingPathComponent("response2.json").path
        _ = try BatchInference.run(predictor: predictor, input: request, contentType: "application/json", accept: .json, output: again2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: again2)))
        let bad = folder.appendingPathComponent("bad.jsonl").path
        try "{\"start\": \"2024-01-01\", \"target\": [1, 2, 3], \"cat\": [1]}\n{\"start\": \"2024-01-01\", \"target\": [1, 2, 3]}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        #expect { try BatchInference.run(predictor: predictor, input: bad, contentType: "application/jsonlines", accept: .jsonLines,
                                         output: folder.appendingPathComponent("bad.out").path) } throws: { error in
            (error as? FormatError).map { $0.position == .line(2) && $0.field == "cat" } ?? false
        }
    }

    @Test func badSeriesNameFileLineAndField() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-deepar-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let train = folder.appendingPathComponent("train.jsonl").path
        try "{\"start\": \"2024-01-01\", \"target\": [1, 2, 3]}\n{\"start\": \"2024-01-01\", \"target\": [1, 2], \"dynamic_feat\": [[1, 2, 3]]}\n"
            .write(toFile: train, atomically: true, encoding: .utf8)
        let spec = TrainingJobSpec(hyperparameters: ["time_freq": "D", "context_length": "2", "prediction_length": "1", "epochs": "1"],
                                   channels: ["train": TrainingChannel(config: ChannelConfig(name: "train"), path: train)],
                                   modelDirectory: folder.appendingPathComponent("model").path)
        #expect { try TrainingRunner.run("deepar", catalog: .weir, spec: spec, metrics: MetricsReporter { _ in }) } throws: {
            "\($0)".contains("train.jsonl: line 2") && "\($0)".contains("dynamic_feat[0]")
        }
        var badFrequency = spec
        badFrequency.hyperparameters["time_freq"] = "fortnightly"
        #expect { try TrainingRunner.run("deepar", catalog: .weir, spec: badFrequency, metrics: MetricsReporter { _ in }) } throws: { "\($0)".contains("time_freq") }
    }
}

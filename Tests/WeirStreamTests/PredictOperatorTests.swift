import Foundation
import Testing
import WeirAlgorithm
import WeirCatalog
import WeirCore
import WeirFormats
import WeirRegistry
import WeirStream

/// The generic `predict` operator: any servable catalogue model answers each event, models
/// chain as an inference pipeline, bad events dead-letter naming the field, and a new
/// model file is served between two records.
struct PredictOperatorTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-predict-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Trains a forest on `rows` into a model folder.
    static func forest(_ rows: [[Double]], in folder: String, name: String, seed: Int = 1) throws -> String {
        let data = folder + "/\(name).csv"
        try rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let model = folder + "/\(name)"
        let spec = TrainingJobSpec(hyperparameters: ["feature_dim": "\(rows[0].count)", "num_trees": "50", "num_samples_per_tree": "64", "seed": "\(seed)"],
                                   channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv;label_size=0"), path: data)],
                                   modelDirectory: model)
        try TrainingRunner.run("randomcutforest", catalog: .weir, spec: spec, metrics: MetricsReporter { _ in }, log: { _ in })
        return model
    }

    static func processor(_ operators: String) throws -> RecordProcessor {
        let spec = try TopologyLoader.parse("""
            name: predict
            source: {file: {path: in.jsonl}}
            schema: {features: [x, y]}
            operators:
            \(operators)
            sinks: [stdout: {}]
            """, file: "predict.yaml")
        let processor = RecordProcessor(spec: spec, catalog: .weir)
        try processor.open()
        return processor
    }

    static func run(_ processor: RecordProcessor, _ json: String) throws(RecordError) -> [Event] {
        var events: [Event] = []
        try processor.transform(RawRecord(key: nil, value: Array(json.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: 0)), into: &events)
        return events
    }

    static let cluster: [[Double]] = (0..<300).map { index in
        let t = Double(index) / 300
        return [t, 2 * t + 0.01 * sin(Double(index))]
    }

    @Test func answersEachEventAsTheEndpointWouldAndChainsModels() throws {
        let folder = try Self.folder()
        let first = try Self.forest(Self.cluster, in: folder, name: "xy")
        let predictor = try AlgorithmCatalog.weir.predictor(modelDirectory: first)
        // The second model reads the first's score, as an inference pipeline would.
        let second = try Self.forest((0..<300).map { [1 + Double($0 % 7) * 0.1] }, in: folder, name: "score", seed: 2)
        let processor = try Self.processor("""
              - predict: {model: \(first), output_prefix: xy_}
              - predict: {model: \(second), features: [xy_score], output_prefix: meta_}
            """)
        let normal = try Self.run(processor, #"{"x": 0.5, "y": 1.0}"#)
        let odd = try Self.run(processor, #"{"x": 0.5, "y": 9.0}"#)
        let expected = try predictor.predict(DataRow(features: .dense([0.5, 9.0])))
        guard case .number(let oddScore)? = odd.first?.fields["xy_score"], case .number(let normalScore)? = normal.first?.fields["xy_score"] else {
            Issue.record("no xy_score"); return
        }
        #expect(odd.first?.fields["xy_score"] == expected["score"])
        #expect(oddScore > normalScore)
        #expect(odd.first?.fields["meta_score"] != nil && normal.first?.fields["meta_score"] != nil)
        #expect(odd.first?.fields["xy_model_version"]?.stringValue?.contains("forest.rcf") == true)
    }

    @Test func eventsTheModelCannotTakeAreRefusedNamingTheField() throws {
        let folder = try Self.folder()
        let model = try Self.forest(Self.cluster, in: folder, name: "xy")
        let processor = try Self.processor("  - predict: {model: \(model), features: [x, y]}")
        #expect { try Self.run(processor, #"{"x": 0.5}"#) } throws: { ($0 as? RecordError)?.field == "y" }
        #expect { try Self.run(processor, #"{"x": 0.5, "y": "high"}"#) } throws: { ($0 as? RecordError)?.field == "y" }
        let wide = try Self.processor("  - predict: {model: \(model), features: [x, y, x]}")
        #expect { try Self.run(wide, #"{"x": 0.5, "y": 1}"#) } throws: { ($0 as? RecordError)?.field == "features" }
        #expect(try Self.run(processor, #"{"x": 0.5, "y": 1.0}"#).count == 1)
    }

    /// A model that takes missing values (XGBoost) answers an event whose field is absent
    /// or null as it answers an empty CSV field: down each split's default branch.
    @Test func absentOrNullFieldsAreMissingValuesForModelsThatTakeThem() throws {
        let folder = try Self.folder()
        let data = folder + "/train.csv"
        let lines = (0..<400).map { index -> String in
            let x = Double(index % 20) / 20, y = Double(index % 7) / 7
            let label = x + 2 * y > 1.2 ? 1 : 0
            return index % 5 == 0 ? "\(label),\(x)," : "\(label),\(x),\(y)"  // some y missing in training too
        }
        try lines.joined(separator: "\n").write(toFile: data, atomically: true, encoding: .utf8)
        let model = folder + "/xgb"
        let spec = TrainingJobSpec(hyperparameters: ["objective": "binary:logistic", "num_round": "10", "max_depth": "3"],
                                   channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv"), path: data)],
                                   modelDirectory: model)
        try TrainingRunner.run("xgboost", catalog: .weir, spec: spec, metrics: MetricsReporter { _ in }, log: { _ in })
        let predictor = try AlgorithmCatalog.weir.predictor(modelDirectory: model)
        let expected = try predictor.predict(DataRow(features: .dense([0.5, .nan])))["score"]
        let complete = try predictor.predict(DataRow(features: .dense([0.5, 0.9])))["score"]
        #expect(expected != nil && expected != complete)

        let processor = try Self.processor("  - predict: {model: \(model), features: [x, y]}")
        #expect(try Self.run(processor, #"{"x": 0.5}"#).first?.fields["score"] == expected)
        #expect(try Self.run(processor, #"{"x": 0.5, "y": null}"#).first?.fields["score"] == expected)
        #expect(try Self.run(processor, #"{"x": 0.5, "y": 0.9}"#).first?.fields["score"] == complete)
        #expect { try Self.run(processor, #"{"x": "high", "y": 0.9}"#) } throws: { ($0 as? RecordError)?.field == "x" }
    }

    @Test func aNewModelFileIsServedBetweenRecordsAndADamagedOneIsRefused() throws {
        let folder = try Self.folder()
        let model = try Self.forest(Self.cluster, in: folder, name: "xy")
        let processor = try Self.processor("  - predict: {model: \(model), reload_interval_ms: 0}")
        let before = try Self.run(processor, #"{"x": 0.5, "y": 9.0}"#).first?.fields["score"]
        // Retrain on other data into the same folder: the next record sees the new forest.
        Thread.sleep(forTimeInterval: 1.1) // file times have one-second resolution on some file systems
        _ = try Self.forest(Self.cluster.map { [$0[0], 9 + $0[1] * 0.01] }, in: folder, name: "xy")
        let after = try Self.run(processor, #"{"x": 0.5, "y": 9.0}"#).first?.fields["score"]
        #expect(before != nil && after != nil && before != after)
        // A damaged file is refused; the model in service keeps answering the same.
        Thread.sleep(forTimeInterval: 1.1)
        let file = model + "/forest.rcf"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        #expect(try Self.run(processor, #"{"x": 0.5, "y": 9.0}"#).first?.fields["score"] == after)
    }

    @Test func aFolderOfAnAlgorithmThatDoesNotAnswerRequestsIsRefusedAtOpen() throws {
        let folder = try Self.folder()
        let data = folder + "/d.csv"
        try "1,2\n3,4\n".write(toFile: data, atomically: true, encoding: .utf8)
        let spec = TrainingJobSpec(channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv"), path: data)],
                                   modelDirectory: folder + "/profile")
        try TrainingRunner.run("statistics", catalog: .weir, spec: spec, metrics: MetricsReporter { _ in }, log: { _ in })
        #expect { try Self.processor("  - predict: {model: \(folder)/profile}") } throws: { "\($0)".contains("do not answer requests") }
    }
}

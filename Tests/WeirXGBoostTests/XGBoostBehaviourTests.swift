import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirXGBoost

/// Cuts, training behaviours, model files and bad input, on data made here.
@Suite struct XGBoostBehaviourTests {
    static func scratch(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "weir-xgb-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Rows `[label, x0, x1, x2]`: the label rises with x0 and falls with x1.
    static func regression(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let x = (0..<3).map { _ in random.normal(mean: 0, standardDeviation: 1) }
            return [2 * x[0] - x[1] + 0.5 * sin(3 * x[2]) + 0.1 * random.normal(mean: 0, standardDeviation: 1)] + x
        }
    }

    static func train(_ lines: [String], _ hyperparameters: [String: String], name: String = "train.csv",
                      validation: [String]? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) throws -> TrainedModel<XGBoostModel> {
        let folder = try scratch("train")
        let path = try FixtureFiles.write(lines, to: folder, name: name)
        var channels = ["train": FixtureFiles.channel("train", path: path, contentType: name.hasSuffix(".libsvm") ? "text/libsvm" : "text/csv")]
        if let validation {
            channels["validation"] = FixtureFiles.channel("validation", path: try FixtureFiles.write(validation, to: folder, name: "validation.csv"),
                                                          contentType: "text/csv")
        }
        let context = TrainingContext(channels: channels, metrics: MetricsReporter(output: log))
        return try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(hyperparameters), context: context)
    }

    // MARK: cuts

    @Test func binsAreUpperBoundsOverEachFeaturesCuts() {
        var random = RandomSource(seed: 9)
        for trial in 0..<200 {
            let count = 1 + random.uniformInt(below: 40)
            let bounds = (0..<count).map { _ in Float(random.normal(mean: 0, standardDeviation: 3)) }.sorted()
            let cuts = QuantileCuts(featureStarts: [0, count], bounds: bounds)
            for _ in 0..<50 {
                let value = random.uniform() < 0.2 ? bounds[random.uniformInt(below: count)] : Float(random.normal(mean: 0, standardDeviation: 4))
                let expected = bounds.firstIndex { $0 > value } ?? count - 1
                #expect(cuts.bin(feature: 0, value: value) == expected, "trial \(trial): \(value) in \(bounds)")
            }
        }
    }

    @Test func fewDistinctValuesGetABinEachAndManyGetAtMostMaxBin() {
        let small = QuantileCuts.cutValues(values: [3, 1, 2, 2, 5, 1][...], weights: nil, maxBin: 256)
        #expect(small == [2, 3, 5, 5 + (5 + 1e-5)])
        var random = RandomSource(seed: 3)
        let values = (0..<20_000).map { _ in Float(random.normal(mean: 0, standardDeviation: 1)) }
        let cuts = QuantileCuts.cutValues(values: values[...], weights: nil, maxBin: 32)
        #expect(cuts.count <= 32 && cuts.count >= 30)
        #expect(zip(cuts, cuts.dropFirst()).allSatisfy { $0 < $1 })
        // Every bin holds about 1/32 of the values.
        let table = QuantileCuts(featureStarts: [0, cuts.count], bounds: cuts)
        var counts = [Int](repeating: 0, count: cuts.count)
        for value in values { counts[table.bin(feature: 0, value: value)] += 1 }
        #expect(counts.allSatisfy { $0 > 20_000 / 32 / 2 && $0 < 20_000 / 32 * 2 }, "\(counts)")
        // A heavy weight on one value gives it a bin of its own.
        let weighted = QuantileCuts.cutValues(values: [1, 2, 3, 4, 5, 6, 7, 8][...], weights: [1, 1, 1, 100, 1, 1, 1, 1][...], maxBin: 3)
        #expect(weighted.contains(4) || weighted.contains(5), "\(weighted)")
    }

    @Test func radixSortOrdersLikeComparison() {
        var random = RandomSource(seed: 5)
        let values = (0..<5_000).map { index -> Float in
            switch index % 5 {
            case 0: return -Float(random.uniform()) * 1e30
            case 1: return 0
            case 2: return Float(random.normal(mean: 0, standardDeviation: 1e-20))
            default: return Float(random.normal(mean: 0, standardDeviation: 10))
            }
        }
        #expect(FloatRadixSort.sorted(values[...]) == values.sorted())
    }

    // MARK: training

    @Test func duplicatedRecordsTrainLikeWeightTwo() throws {
        let rows = Self.regression(150, seed: 1)
        let csv = FixtureFiles.csvLines(rows)
        let doubled = FixtureFiles.csvLines(rows + rows)
        let weighted = rows.map { row in ([row[0], 2] + row.dropFirst()).map { NumberText.format($0) }.joined(separator: ",") }
        let hp = ["num_round": "5", "max_depth": "3", "nthread": "1"]
        let a = try Self.train(doubled, hp).model
        let b = try Self.train(weighted, hp.merging(["csv_weights": "1"]) { $1 }).model
        #expect(a.trees == b.trees)
        #expect(try Self.train(csv, hp).model.trees != a.trees)
    }

    @Test func aModelChannelBoostsOnFromItsTrees() throws {
        let rows = FixtureFiles.csvLines(Self.regression(500, seed: 3))
        let hp = ["num_round": "4", "max_depth": "3", "nthread": "1", "objective": "reg:squarederror"]
        let first = try Self.train(rows, hp).model
        let whole = try Self.train(rows, hp.merging(["num_round": "8"]) { $1 }).model
        let folder = try Self.scratch("model-channel")
        let modelFile = folder + "/xgboost-model"
        try Data(first.snapshot()).write(to: URL(fileURLWithPath: modelFile))
        let data = try FixtureFiles.write(rows, to: folder, name: "train.csv")
        let context = TrainingContext(channels: ["train": FixtureFiles.channel("train", path: data, contentType: "text/csv"),
                                                 "model": FixtureFiles.channel("model", path: modelFile)],
                                      metrics: MetricsReporter(output: { _ in }))
        let continued = try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(hp), context: context).model
        #expect(continued.trees == whole.trees)
        var softmax = hp
        softmax["objective"] = "reg:pseudohubererror"
        #expect { try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(softmax), context: context) } throws: { "\($0)".contains("xgboost-model") }
    }

    @Test func earlyStoppingKeepsTheBestRound() throws {
        let lines = LockedLines()
        let train = FixtureFiles.csvLines(Self.regression(300, seed: 1))
        // Validation labels unrelated to the features: it stops improving at once.
        var random = RandomSource(seed: 8)
        let noise = Self.regression(200, seed: 2).map { [random.normal(mean: 0, standardDeviation: 1)] + $0.dropFirst() }
        let trained = try Self.train(train, ["num_round": "200", "early_stopping_rounds": "5", "nthread": "1"],
                                     validation: FixtureFiles.csvLines(noise)) { lines.append($0) }
        let printed = lines.all.filter { $0.hasPrefix("[") }
        #expect(printed.count < 200)
        let best = try #require(trained.model.attributes.first { $0.0 == "best_iteration" }.flatMap { Int($0.1) })
        #expect(printed.count == best + 1 + 5)
        #expect(trained.model.trees.count == best + 1)
        #expect(printed[0].contains("\ttrain-rmse:") && printed[0].contains("\tvalidation-rmse:"))
    }

    @Test func monotoneConstraintsHold() throws {
        // The label rises with x0 except for a dip the constraint must not follow.
        var random = RandomSource(seed: 4)
        let rows = (0..<600).map { _ -> [Double] in
            let x0 = random.uniform(in: -3..<3), x1 = random.normal(mean: 0, standardDeviation: 1)
            return [x0 + (abs(x0 - 1) < 0.4 ? -2 : 0) + 0.1 * x1, x0, x1]
        }
        let model = try Self.train(FixtureFiles.csvLines(rows), ["num_round": "30", "monotone_constraints": "(1,0)", "nthread": "1"]).model
        for x1 in [-1.0, 0, 1] {
            let predictions = stride(from: -3.0, through: 3.0, by: 0.05).map { model.predict([Float($0), Float(x1)])[0] }
            #expect(zip(predictions, predictions.dropFirst()).allSatisfy { $0 <= $1 + 1e-6 })
        }
        let free = try Self.train(FixtureFiles.csvLines(rows), ["num_round": "30", "nthread": "1"]).model
        let dip = stride(from: -3.0, through: 3.0, by: 0.05).map { free.predict([Float($0), 0])[0] }
        #expect(!zip(dip, dip.dropFirst()).allSatisfy { $0 <= $1 + 1e-6 }, "without the constraint the dip is learnt")
    }

    @Test func missingValuesLearnTheirDirection() throws {
        // x0 missing means "large": the default direction must send it right.
        var random = RandomSource(seed: 6)
        let lines = (0..<400).map { _ -> String in
            let x0 = random.uniform(in: 0..<10)
            let missing = x0 > 7 && random.uniform() < 0.7
            return "\(x0 > 5 ? 1 : 0),\(missing ? "" : NumberText.format(x0)),\(NumberText.format(random.uniform()))"
        }
        let model = try Self.train(lines, ["num_round": "10", "objective": "binary:logistic", "nthread": "1"]).model
        #expect(model.predict([.nan, 0.5])[0] > 0.8)
        #expect(model.predict([1, 0.5])[0] < 0.2)
    }

    @Test func sameThreadCountSameModelAndThreadsGiveTheSameQuality() throws {
        let rows = FixtureFiles.csvLines(Self.regression(40_000, seed: 11))
        let hp = ["num_round": "10", "max_depth": "5", "nthread": "2", "subsample": "0.8", "colsample_bytree": "0.7", "seed": "4"]
        let a = try Self.train(rows, hp).model.snapshot()
        let b = try Self.train(rows, hp).model.snapshot()
        #expect(a == b)
        let one = try Self.train(rows, hp.merging(["nthread": "1"]) { $1 }).model
        let two = try XGBoostModel(snapshot: a, name: "two")
        let test = Self.regression(2_000, seed: 12)
        func rmse(_ model: XGBoostModel) -> Double {
            (test.reduce(0.0) { sum, row in
                let d = model.predict(row.dropFirst().map(Float.init))[0] - row[0]
                return sum + d * d
            } / Double(test.count)).squareRoot()
        }
        #expect(abs(rmse(one) - rmse(two)) < 0.01 * rmse(one))
    }

    @Test func everyObjectiveTrainsAndPredictsInItsSpace() throws {
        var random = RandomSource(seed: 2)
        let x = (0..<300).map { _ in (0..<3).map { _ in random.normal(mean: 0, standardDeviation: 1) } }
        let cases: [(String, (Double) -> Double, [String: String])] = [
            ("reg:gamma", { exp(0.5 * $0) + 0.1 }, [:]),
            ("count:poisson", { Double(Int(exp(0.5 * $0) * 2)) }, [:]),
            ("reg:tweedie", { max(0, $0) * 3 }, ["tweedie_variance_power": "1.2"]),
            ("multi:softprob", { $0 > 0.5 ? 2 : ($0 > -0.5 ? 1 : 0) }, ["num_class": "3"]),
            ("binary:hinge", { $0 > 0 ? 1 : 0 }, [:]),
        ]
        for (objective, label, extra) in cases {
            let lines = x.map { row in ([label(row[0] + 0.3 * row[1])] + row).map { NumberText.format($0) }.joined(separator: ",") }
            let model = try Self.train(lines, ["num_round": "10", "objective": objective, "nthread": "1"].merging(extra) { $1 }).model
            let prediction = model.predict([0.2, 0.1, -0.3])
            switch objective {
            case "multi:softprob":
                #expect(prediction.count == 3 && abs(prediction.reduce(0, +) - 1) < 1e-5)
            case "binary:hinge":
                #expect(prediction == [0] || prediction == [1])
            default:
                #expect(prediction[0] > 0, "\(objective) predicts in the response's (positive) space")
            }
        }
    }

    // MARK: bad input

    @Test func badRecordsNameTheFileRecordAndField() throws {
        let cases: [([String], [String: String], String)] = [
            (["1,2,3", "2,1,1"], ["objective": "binary:logistic"], "record 2"),
            (["0,2,3", "1,inf,1"], [:], "features[0]"),
            (["0,2,3", "1,2"], [:], "line 2"),
            (["-1,2,3"], ["objective": "count:poisson"], "label"),
            (["3,2,3"], ["objective": "multi:softmax", "num_class": "3"], "num_class is 3"),
            (["1,-2,3"], ["csv_weights": "1"], "weight"),
        ]
        for (lines, extra, mention) in cases {
            #expect {
                try Self.train(lines, ["num_round": "2"].merging(extra) { $1 })
            } throws: { error in
                "\(error)".contains(mention) && "\(error)".contains("train.csv")
            }
        }
        #expect(throws: HyperparameterError.self) { try XGBoostHyperparameters.validated(["num_round": "2", "objective": "multi:softprob"]) }
        #expect(throws: HyperparameterError.self) { try XGBoostHyperparameters.validated(["num_round": "2", "max_depth": "0"]) }
        #expect(throws: HyperparameterError.self) { try XGBoostHyperparameters.validated(["num_round": "2", "eval_metric": "merror"]) }
        #expect(throws: HyperparameterError.self) { try XGBoostHyperparameters.validated(["num_round": "2", "eval_metric": "auc,nonsense"]) }
        #expect { try Self.train(["1,2,3"], ["num_round": "2", "monotone_constraints": "(1,0,1)"]) } throws: { "\($0)".contains("monotone_constraints") }
    }

    @Test func modelFilesOfOtherKindsAreRefusedClearly() throws {
        let model = try Self.train(FixtureFiles.csvLines(Self.regression(100, seed: 1)), ["num_round": "3", "nthread": "1"]).model
        var bytes = model.snapshot()
        #expect(try XGBoostModel(snapshot: bytes, name: "m") == model)
        // Damaged UBJSON and legacy binary files, and text that is not a model.
        #expect { try XGBoostModel(snapshot: [0x7B, 0x55, 0x07] + Array("learner".utf8), name: "m.ubj") } throws: { "\($0)".contains("m.ubj") }
        #expect { try XGBoostModel(snapshot: [0x7B, 0x55, 0x07] + Array("learner".utf8) + [0x5B, 0x23, 0x4C] + Array(repeating: 0x7F, count: 8), name: "big") }
            throws: { "\($0)".contains("big") }
        #expect { try XGBoostModel(snapshot: Array("binf".utf8) + [0, 0, 0, 0], name: "old") } throws: { "\($0)".contains("JSON") }
        #expect { try XGBoostModel(snapshot: Array(#"{"learner":{}}"#.utf8), name: "m") } throws: { "\($0)".contains("learner_model_param") }
        // A split on a feature beyond num_feature, or a cycle, is refused.
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"split_indices\":[", with: "\"split_indices\":[99")
        bytes = Array(text.utf8)
        #expect(throws: (any Error).self) { try XGBoostModel(snapshot: bytes, name: "m") }
    }

    @Test func libsvmIndicesAreFeaturesAndAbsentOnesAreMissing() throws {
        let lines = (0..<200).map { index -> String in
            let x = Double(index % 20)
            return index % 3 == 0 ? "\(x > 10 ? 1 : 0) 2:\(x)" : "\(x > 10 ? 1 : 0) 0:1 2:\(x)"
        }
        let model = try Self.train(lines, ["num_round": "5", "objective": "binary:logistic", "nthread": "1"], name: "train.libsvm").model
        #expect(model.featureCount == 3)
        #expect(model.predict([.nan, .nan, 15])[0] > 0.5)
        #expect(model.predict([1, .nan, 2])[0] < 0.5)
    }
}

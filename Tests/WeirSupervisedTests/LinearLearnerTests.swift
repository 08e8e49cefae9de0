import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirLinearLearner

@Suite struct LinearLearnerTests {
    typealias Data = SupervisedTestData

    static func train(_ raw: [String: String], _ sets: [String: [[Double]]], label: String,
                      lines: LineBox = LineBox()) throws -> TrainedModel<LinearLearnerModel> {
        try LinearLearnerAlgorithm.train(LinearLearnerHyperparameters.validated(raw), context: Data.context(sets, label: label, lines: lines))
    }

    static func metadata(_ trained: TrainedModel<LinearLearnerModel>, _ key: String) -> Double? {
        guard case .number(let value)? = trained.metadata.first(where: { $0.0 == key })?.1 else { return nil }
        return value
    }

    static func response(_ model: LinearLearnerModel, _ row: [Double]) -> [Double] {
        model.responseScores(model.linearOutputs(dense: Array(row.dropFirst())))
    }

    static let binaryWeights = [1.5, -2.0, 0.7, 0.0, 1.0, -0.5, 0.3, 0.0, 2.0, -1.2]

    @Test func binaryClassifierMatchesExactLogisticRegression() throws {
        let train = Data.binary(20_000, weights: Self.binaryWeights, bias: -0.4, seed: 1)
        let validation = Data.binary(4_000, weights: Self.binaryWeights, bias: -0.4, seed: 2)
        let test = Data.binary(10_000, weights: Self.binaryWeights, bias: -0.4, seed: 3)
        let lines = LineBox()
        let trained = try Self.train(["predictor_type": "binary_classifier", "feature_dim": "10"],
                                     ["train": train, "validation": validation, "test": test], label: "binary", lines: lines)
        let reference = Data.logistic(train)
        let labels = test.map { $0[0] == 1 }
        let ours = EvaluationMetrics.rocAUC(scores: test.map { Self.response(trained.model, $0)[0] }, labels: labels)
        let exact = EvaluationMetrics.rocAUC(scores: test.map { Data.linear(reference, $0) }, labels: labels)
        #expect(abs(ours - exact) < 0.002, "AUC \(ours) vs exact logistic regression \(exact)")
        // Probabilities agree with the exact model's (mean absolute difference).
        let gap = test.prefix(2_000).map { abs(Self.response(trained.model, $0)[0] - 1 / (1 + exp(-Data.linear(reference, $0)))) }.reduce(0, +) / 2_000
        #expect(gap < 0.02, "mean probability gap \(gap)")
        // Accuracy at the chosen threshold is as good as the exact model's at 0.5.
        let accuracy = Double(test.filter { trained.model.predictedLabel(Self.response(trained.model, $0)) == $0[0] }.count) / Double(test.count)
        let exactAccuracy = Double(test.filter { (Data.linear(reference, $0) >= 0 ? 1.0 : 0.0) == $0[0] }.count) / Double(test.count)
        #expect(accuracy > exactAccuracy - 0.005, "accuracy \(accuracy) vs \(exactAccuracy)")
        #expect(Self.metadata(trained, "test_binary_classification_accuracy").map { abs($0 - accuracy) < 1e-9 } == true)
        for metric in ["objective_loss", "binary_classification_accuracy", "binary_f_beta", "precision", "recall", "roc_auc_score"] {
            #expect(lines.lines.contains { $0.hasPrefix("#quality_metric: host=algo-1, test \(metric) <") }, "no test \(metric) line")
        }
        #expect(lines.lines.contains { $0.hasPrefix("#quality_metric: host=algo-1, epoch=0, validation objective_loss <loss>=") })
    }

    @Test func regressorMatchesLeastSquares() throws {
        let weights = [3.0, -1.0, 0.5, 2.0, 0.0, -4.0]
        let train = Data.regression(20_000, weights: weights, bias: 7, noise: 1, seed: 4)
        let test = Data.regression(5_000, weights: weights, bias: 7, noise: 1, seed: 5)
        let trained = try Self.train(["predictor_type": "regressor", "feature_dim": "6"], ["train": train, "test": test], label: "regressor")
        let reference = Data.leastSquares(train)
        let ours = EvaluationMetrics.rmse(predictions: test.map { Self.response(trained.model, $0)[0] }, targets: test.map { $0[0] })
        let exact = EvaluationMetrics.rmse(predictions: test.map { Data.linear(reference, $0) }, targets: test.map { $0[0] })
        #expect(ours < exact * 1.01, "RMSE \(ours) vs least squares \(exact)")
        #expect(Self.metadata(trained, "test_rmse").map { abs($0 - ours) < 1e-6 * ours } == true)
    }

    @Test func multiclassClassifierApproachesTheTrueModel() throws {
        let weights = [[1.0, 0, -1, 0.5], [-1, 1, 0, 0], [0, -1, 1, -0.5], [0.5, 0.5, 0.5, 0.5]]
        let train = Data.multiclass(20_000, weights: weights, seed: 6)
        let test = Data.multiclass(5_000, weights: weights, seed: 7)
        let trained = try Self.train(["predictor_type": "multiclass_classifier", "num_classes": "4", "feature_dim": "4"],
                                     ["train": train, "test": test], label: "multiclass")
        #expect(trained.model.outputs == 4)
        let accuracy = Double(test.filter { trained.model.predictedLabel(Self.response(trained.model, $0)) == $0[0] }.count) / Double(test.count)
        let bayes = Double(test.filter { row in
            let s = Data.standard(Array(row.dropFirst()))
            let logits = weights.map { w in zip(w, s).reduce(0) { $0 + $1.0 * $1.1 } }
            return Double(logits.indices.max { logits[$0] < logits[$1] }!) == row[0]
        }.count) / Double(test.count)
        #expect(accuracy > bayes - 0.01, "accuracy \(accuracy) vs the true model's \(bayes)")
        let probabilities = Self.response(trained.model, test[0])
        #expect(probabilities.count == 4 && abs(probabilities.reduce(0, +) - 1) < 1e-9)
        #expect(Self.metadata(trained, "test_multiclass_top_k_accuracy").map { $0 > accuracy } == true)
    }

    /// 5% positives: each criterion's threshold delivers what it promises on fresh data.
    @Test func thresholdSelectionFollowsTheCriterionOnAnImbalancedSet() throws {
        let weights = [2.0, -1.5, 1.0, 0.5]
        func data(_ count: Int, seed: UInt64) -> [[Double]] { Data.binary(count, weights: weights, bias: -4.2, seed: seed) }
        let train = data(20_000, seed: 8), validation = data(10_000, seed: 9), test = data(20_000, seed: 10)
        let positives = test.filter { $0[0] == 1 }.count
        #expect(positives > 500 && positives < 2_000, "\(positives) positives")
        func run(_ extra: [String: String]) throws -> (precision: Double, recall: Double, f1: Double, accuracy: Double) {
            let trained = try Self.train(["predictor_type": "binary_classifier", "feature_dim": "4"].merging(extra) { $1 },
                                         ["train": train, "validation": validation, "test": test], label: "imbalanced")
            let values = ["precision", "recall", "binary_f_beta", "binary_classification_accuracy"].map { Self.metadata(trained, "test_\($0)") ?? .nan }
            return (values[0], values[1], values[2], values[3])
        }
        let atRecall = try run(["binary_classifier_model_selection_criteria": "precision_at_target_recall", "target_recall": "0.8"])
        #expect(atRecall.recall > 0.75, "recall \(atRecall.recall) for target 0.8")
        let atPrecision = try run(["binary_classifier_model_selection_criteria": "recall_at_target_precision", "target_precision": "0.8"])
        #expect(atPrecision.precision > 0.72, "precision \(atPrecision.precision) for target 0.8")
        #expect(atPrecision.precision > atRecall.precision && atRecall.recall > atPrecision.recall)
        let fBeta = try run(["binary_classifier_model_selection_criteria": "f_beta"])
        let lossOnly = try run(["binary_classifier_model_selection_criteria": "loss_function"])
        #expect(fBeta.f1 > lossOnly.f1, "F1 \(fBeta.f1) with f_beta vs \(lossOnly.f1) at threshold 0.5")
        let accuracy = try run(["binary_classifier_model_selection_criteria": "accuracy"])
        #expect(accuracy.accuracy > fBeta.accuracy - 0.002)
        // Balanced weights move the 0.5 threshold towards the rare class: recall rises.
        let balanced = try run(["binary_classifier_model_selection_criteria": "loss_function", "positive_example_weight_mult": "balanced"])
        #expect(balanced.recall > lossOnly.recall + 0.2, "recall \(balanced.recall) balanced vs \(lossOnly.recall)")
    }

    @Test func quantileAndRobustLossesDoWhatTheySay() throws {
        let weights = [1.0, -2.0, 0.5]
        let clean = Data.regression(20_000, weights: weights, bias: 1, noise: 1, seed: 11)
        let test = Data.regression(5_000, weights: weights, bias: 1, noise: 1, seed: 12)
        let quantile = try Self.train(["predictor_type": "regressor", "feature_dim": "3", "loss": "quantile_loss", "quantile": "0.9"],
                                      ["train": clean], label: "quantile").model
        let below = Double(test.filter { $0[0] <= Self.response(quantile, $0)[0] }.count) / Double(test.count)
        #expect(abs(below - 0.9) < 0.02, "\(below) of labels below the 0.9 quantile prediction")
        // 10% gross outliers: the Huber loss stays near the clean fit; squared loss does not.
        let dirty = Data.regression(20_000, weights: weights, bias: 1, noise: 1, outliers: 0.1, seed: 13)
        func rmse(_ loss: String) throws -> Double {
            let model = try Self.train(["predictor_type": "regressor", "feature_dim": "3", "loss": loss, "huber_delta": "2"],
                                       ["train": dirty], label: loss).model
            return EvaluationMetrics.rmse(predictions: test.map { Self.response(model, $0)[0] }, targets: test.map { $0[0] })
        }
        let huber = try rmse("huber_loss"), squared = try rmse("squared_loss"), absolute = try rmse("absolute_loss")
        #expect(huber < 1.05 && absolute < 1.05, "huber \(huber), absolute \(absolute) on clean data with noise 1")
        #expect(squared > huber, "squared \(squared) vs huber \(huber)")
    }

    /// A one-hot set of 200,000 columns, as RecordIO-protobuf sparse records: training keeps
    /// only the non-zeros, and sparse requests are scored without densifying.
    @Test func wideSparseDataTrainsOnItsNonZeros() throws {
        let width = 200_000
        var random = RandomSource(seed: 14)
        // 1,000 frequent columns carry the signal; each record also has 4 of the 200,000 at random.
        let effects = (0..<1_000).map { _ in random.normal(mean: 0, standardDeviation: 1.5) }
        func rows(_ count: Int) -> [DataRow] {
            (0..<count).map { _ in
                let frequent = (0..<4).map { _ in random.uniformInt(below: 1_000) }
                let columns = Set(frequent.map { $0 * 200 } + (0..<4).map { _ in random.uniformInt(below: width) }).sorted()
                let logit = frequent.reduce(0.0) { $0 + effects[$1] }
                return DataRow(features: .sparse(indices: columns, values: columns.map { _ in 1 }, dimension: width),
                               label: [random.uniform() < 1 / (1 + exp(-logit)) ? 1 : 0])
            }
        }
        let folder = try Data.folder("sparse")
        let path = folder + "/train.rec"
        let writer = try RecordIOWriter(path: path)
        for row in rows(40_000) { try writer.append(RecordProtobuf.encode(row)) }
        try writer.close()
        let channel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "application/x-recordio-protobuf"), path: path)
        let trained = try LinearLearnerAlgorithm.train(
            LinearLearnerHyperparameters.validated(["predictor_type": "binary_classifier", "epochs": "4", "num_models": "2"]),
            context: TrainingContext(channels: ["train": channel], metrics: MetricsReporter { _ in }))
        #expect(trained.model.features == width, "feature_dim=auto takes the records' shape")
        let predictor = LinearLearnerPredictor(model: trained.model)
        let test = rows(4_000)
        let scores = try test.map { row -> Double in
            guard case .number(let score)? = try predictor.predict(row)["score"] else { return .nan }
            return score
        }
        let auc = EvaluationMetrics.rocAUC(scores: scores, labels: test.map { $0.label[0] == 1 })
        #expect(auc > 0.8, "AUC \(auc)")
        #expect(throws: FormatError.self) {
            try predictor.predict(DataRow(features: .sparse(indices: [width + 5], values: [1], dimension: width + 6)))
        }
    }

    @Test func badLabelsAndSettingsAreNamed() throws {
        var rows = Data.binary(100, weights: [1, 1], bias: 0, seed: 15)
        rows[41][0] = 2
        let error = #expect(throws: FormatError.self) {
            try Self.train(["predictor_type": "binary_classifier", "feature_dim": "2"], ["train": rows], label: "bad")
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("train.csv") && text.contains("42") && text.contains("label"), "\(text)")
        #expect(throws: HyperparameterError.self) {
            try LinearLearnerHyperparameters.validated(["predictor_type": "binary_classifier", "loss": "squared_loss"])
        }
        #expect(throws: HyperparameterError.self) {
            try LinearLearnerHyperparameters.validated(["predictor_type": "multiclass_classifier"])
        }
        #expect(throws: HyperparameterError.self) {
            try LinearLearnerHyperparameters.validated(["predictor_type": "regressor", "feature_dim": "100000000", "num_models": "32"])
        }
        // Plain SGD at rate 10 on squared loss blows up: a named error, not an unloadable model.
        let diverging = #expect(throws: TrainingJobError.self) {
            try Self.train(["predictor_type": "regressor", "feature_dim": "2", "optimizer": "sgd", "learning_rate": "10", "wd": "0", "l1": "0"],
                           ["train": Data.regression(2_000, weights: [1, 2], bias: 0, noise: 1, seed: 19)], label: "diverge")
        }
        #expect(diverging.map { "\($0)" }?.contains("diverged") == true)
        let empty = #expect(throws: TrainingJobError.self) {
            try Self.train(["predictor_type": "binary_classifier", "feature_dim": "2"], ["train": Data.binary(100, weights: [1, 1], bias: 0, seed: 20),
                                                                                         "validation": []], label: "empty")
        }
        #expect(empty.map { "\($0)" }?.contains("validation") == true)
        // feature_dim=auto on records that hold only a label: named, not a trap.
        let widthless = #expect(throws: FormatError.self) {
            try Self.train(["predictor_type": "binary_classifier"], ["train": [[1], [0]]], label: "widthless")
        }
        #expect(widthless.map { "\($0)" }?.contains("feature_dim=auto") == true)
        let hp = try LinearLearnerHyperparameters.validated(["predictor_type": "binary_classifier", "learning_rate": "0.1", "wd": "0", "l1": "0"])
        #expect(hp.modelCount == 1, "nothing left to search: one model")
    }

    @Test func earlyStoppingEndsTrainingBeforeTheLastEpoch() throws {
        let train = Data.binary(5_000, weights: [1, -1, 0.5], bias: 0, seed: 16)
        let validation = Data.binary(2_000, weights: [1, -1, 0.5], bias: 0, seed: 17)
        let trained = try Self.train(["predictor_type": "binary_classifier", "feature_dim": "3", "epochs": "30",
                                      "early_stopping_patience": "2", "early_stopping_tolerance": "0.05"],
                                     ["train": train, "validation": validation], label: "stopping")
        let run = Self.metadata(trained, "epochs_run") ?? 0
        #expect(run >= 3 && run < 30, "\(run) epochs run")
    }

    @Test func snapshotsRoundTripAndRefuseDamage() throws {
        let trained = try Self.train(["predictor_type": "binary_classifier", "feature_dim": "4", "epochs": "2"],
                                     ["train": Data.binary(500, weights: [1, 1, 1, 1], bias: 0, seed: 18)], label: "snapshot")
        let bytes = trained.model.snapshot()
        #expect(try LinearLearnerModel(snapshot: bytes, name: "m") == trained.model)
        var damaged = bytes
        damaged[20] ^= 0x40
        #expect(throws: (any Error).self) { try LinearLearnerModel(snapshot: damaged, name: "m") }
    }
}

@Suite struct LinearLearnerKernelTests {
    @Test func theUnitLog1pIsWithinItsBound() {
        for step in 0...1_000 {
            let x = Float(step) / 1_000
            let exact = log1p(Double(x))
            #expect(abs(Double(LinearLoss.log1pUnit(x)) - exact) <= 2e-7 * max(exact, 1e-30) + 1e-12, "x = \(x)")
        }
    }

    @Test func theRadixSortOrdersKeysDescending() {
        var random = RandomSource(seed: 1)
        let keys = (0..<5_000).map { _ in random.next() >> UInt64(random.uniformInt(below: 64)) }
        #expect(BinaryThreshold.radixSortedDescending(keys) == keys.sorted(by: >))
    }

    /// The threshold search agrees with trying every cut by brute force.
    @Test(arguments: LinearLearnerHyperparameters.SelectionCriterion.allCases)
    func theThresholdSearchFindsTheBestCut(criterion: LinearLearnerHyperparameters.SelectionCriterion) {
        var random = RandomSource(seed: 2)
        let labels = (0..<400).map { _ in random.uniform() < 0.3 }
        let scores = labels.map { ((($0 ? 0.6 : 0.4) + random.normal(mean: 0, standardDeviation: 0.2)) * 100).rounded() / 100 }
        let search = BinaryThreshold(criterion: criterion, beta: 1, targetPrecision: 0.6, targetRecall: 0.7)
        let found = search.best(scores: scores, labels: labels)
        let positives = labels.filter { $0 }.count
        let bruteForce = Set(scores).map { threshold -> Double in
            let tp = zip(scores, labels).filter { $0.0 >= threshold && $0.1 }.count
            let fp = zip(scores, labels).filter { $0.0 >= threshold && !$0.1 }.count
            return search.value(truePositives: tp, falsePositives: fp, positives: positives, total: labels.count)
        }.max() ?? 0
        #expect(abs(found.value - max(bruteForce, 0)) < 1e-12, "\(criterion): \(found.value) vs \(bruteForce)")
        // No cut reaches the target: the most precise cut, valued 0.
        guard bruteForce > -.infinity else { return }
        let tp = zip(scores, labels).filter { $0.0 >= found.threshold && $0.1 }.count
        let fp = zip(scores, labels).filter { $0.0 >= found.threshold && !$0.1 }.count
        #expect(abs(search.value(truePositives: tp, falsePositives: fp, positives: positives, total: labels.count) - found.value) < 1e-12,
                "the threshold gives the value it claims")
    }
}

import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirFactorizationMachines
@testable import WeirLinearLearner

@Suite struct FactorizationMachinesTests {
    typealias Data = SupervisedTestData

    /// Ratings-like records: one-hot user (of `users`) and item (of `items`) in a row of
    /// `width` columns; P(1) = sigmoid(3 <u, i> + user bias), with 3-dimensional latent
    /// vectors: mostly interaction.
    struct Interactions {
        let users: Int, items: Int, width: Int
        let userVectors: [[Double]], itemVectors: [[Double]], userBias: [Double]

        init(users: Int, items: Int, width: Int, seed: UInt64) {
            var random = RandomSource(seed: seed)
            self.users = users
            self.items = items
            self.width = width
            userVectors = (0..<users).map { _ in (0..<3).map { _ in random.normal(mean: 0, standardDeviation: 1) } }
            itemVectors = (0..<items).map { _ in (0..<3).map { _ in random.normal(mean: 0, standardDeviation: 1) } }
            userBias = (0..<users).map { _ in random.normal(mean: 0, standardDeviation: 0.3) }
        }

        func rows(_ count: Int, seed: UInt64) -> [DataRow] {
            var random = RandomSource(seed: seed)
            return (0..<count).map { _ in
                let user = random.uniformInt(below: users), item = random.uniformInt(below: items)
                let logit = 3 * zip(userVectors[user], itemVectors[item]).reduce(0) { $0 + $1.0 * $1.1 } / 3 + userBias[user]
                let label: Double = random.uniform() < 1 / (1 + exp(-logit)) ? 1 : 0
                return DataRow(features: .sparse(indices: [user, users + item], values: [1, 1], dimension: width), label: [label])
            }
        }
    }

    static func channel(_ rows: [DataRow], name: String, folder: String) throws -> TrainingChannel {
        let path = folder + "/\(name).rec"
        let writer = try RecordIOWriter(path: path)
        for row in rows { try writer.append(RecordProtobuf.encode(row)) }
        try writer.close()
        return TrainingChannel(config: ChannelConfig(name: name, contentType: "application/x-recordio-protobuf"), path: path)
    }

    static func auc(_ score: (FeatureVector) -> Double, _ rows: [DataRow]) -> Double {
        EvaluationMetrics.rocAUC(scores: rows.map { score($0.features) }, labels: rows.map { $0.label[0] == 1 })
    }

    @Test func beatsLinearLearnerOnPairwiseInteractions() throws {
        let data = Interactions(users: 200, items: 200, width: 400, seed: 1)
        let train = data.rows(40_000, seed: 2), test = data.rows(10_000, seed: 3)
        let folder = try Data.folder("fm-interactions")
        let channels = ["train": try Self.channel(train, name: "train", folder: folder), "test": try Self.channel(test, name: "test", folder: folder)]
        let lines = LineBox()
        let fm = try FactorizationMachinesAlgorithm.train(
            FactorizationMachinesHyperparameters.validated(["feature_dim": "400", "num_factors": "8", "predictor_type": "binary_classifier",
                                                            "epochs": "10", "linear_lr": "0.01", "factors_lr": "0.01", "factors_init_sigma": "0.1"]),
            context: TrainingContext(channels: channels, metrics: MetricsReporter { lines.lines.append($0) }))
        let ll = try LinearLearnerAlgorithm.train(
            LinearLearnerHyperparameters.validated(["feature_dim": "400", "predictor_type": "binary_classifier"]),
            context: TrainingContext(channels: ["train": channels["train"]!], metrics: MetricsReporter { _ in }))
        let fmAUC = Self.auc({ fm.model.output($0) }, test)
        let llAUC = Self.auc({ ll.model.linearOutputs($0)[0] }, test)
        // The Bayes-optimal AUC on these draws, from the true probabilities.
        let truth = Self.auc({ features in
            guard case .sparse(let indices, _, _) = features else { return 0 }
            let user = indices[0], item = indices[1] - data.users
            return zip(data.userVectors[user], data.itemVectors[item]).reduce(0) { $0 + $1.0 * $1.1 } + data.userBias[user]
        }, test)
        #expect(fmAUC > llAUC + 0.1, "FM AUC \(fmAUC) vs Linear Learner \(llAUC)")
        #expect(fmAUC > truth - 0.05, "FM AUC \(fmAUC) vs the true model's \(truth)")
        for metric in ["binary_classification_accuracy", "binary_classification_cross_entropy", "binary_f_beta"] {
            #expect(lines.lines.contains { $0.hasPrefix("#quality_metric: host=algo-1, test \(metric) <") }, "no test \(metric) line")
        }
    }

    /// A million columns: the cached data is its non-zeros (12 bytes each) and scoring a
    /// sparse request never densifies it.
    @Test func aMillionColumnSetCostsItsNonZeros() throws {
        let data = Interactions(users: 500, items: 500, width: 1_000_000, seed: 4)
        let rows = data.rows(20_000, seed: 5)
        let folder = try Data.folder("fm-wide")
        let channel = try Self.channel(rows, name: "train", folder: folder)
        let hp = try FactorizationMachinesHyperparameters.validated(["feature_dim": "1000000", "num_factors": "4", "predictor_type": "binary_classifier",
                                                                      "epochs": "3", "linear_lr": "0.01", "factors_lr": "0.01", "factors_init_sigma": "0.1"])
        let labelled = LabelledChannel(channel, dimension: 1_000_000, batchSize: 1000, labels: .binary, algorithm: "fm")
        let loaded = try labelled.load(pass: 0, headCount: 0, budget: LabelledChannel.memoryBudget)
        #expect(loaded.all?.features.isSparse == true)
        // Per record: 2 non-zeros x (4-byte column + 4-byte value), an 8-byte row start, a 4-byte label.
        let limit = 20_000 * (2 * 8 + 8 + 4) + 64
        let cached = loaded.all?.bytes ?? Int.max
        #expect(cached < limit, "cached \(cached) bytes for 40,000 non-zeros")
        let trained = try FactorizationMachinesAlgorithm.train(hp, context: TrainingContext(channels: ["train": channel], metrics: MetricsReporter { _ in }))
        #expect(trained.model.features == 1_000_000)
        let predictor = FactorizationMachinesPredictor(model: trained.model)
        let response = try predictor.predict(DataRow(features: .sparse(indices: [3, 999_999], values: [1, 1], dimension: 1_000_000)))
        guard case .number(let score)? = response["score"] else { Issue.record("no score in \(response)"); return }
        #expect(score > 0 && score < 1)
        #expect(throws: FormatError.self) { try predictor.predict(DataRow(features: .sparse(indices: [1_000_000], values: [1], dimension: 1_000_001))) }
    }

    /// The trainer's gradient of ŷ in each factor equals a finite difference of the model's output.
    @Test func factorGradientsMatchFiniteDifferences() throws {
        let hp = try FactorizationMachinesHyperparameters.validated(["feature_dim": "6", "num_factors": "3", "predictor_type": "regressor",
                                                                      "factors_init_sigma": "0.5", "linear_init_sigma": "0.5"])
        var random = RandomSource(seed: 6)
        let trainer = FactorizationMachinesTrainer(features: 6, hp: hp, random: &random)
        let x: [Double] = [0.5, 0, -1.2, 2, 0, 0.3]
        let model = trainer.model
        let sums = (0..<3).map { f in (0..<6).reduce(0.0) { $0 + Double(model.factorMatrix[$1 * 3 + f]) * x[$1] } }
        for column in [0, 2, 3, 5] {
            for f in 0..<3 {
                var shifted = model.factorMatrix
                shifted[column * 3 + f] += 1e-3
                let up = FactorizationMachinesModel(predictorType: .regressor, features: 6, factors: 3, bias: model.bias, linear: model.linear, factorMatrix: shifted)
                shifted[column * 3 + f] -= 2e-3
                let down = FactorizationMachinesModel(predictorType: .regressor, features: 6, factors: 3, bias: model.bias, linear: model.linear, factorMatrix: shifted)
                let numeric = (up.output(.dense(x)) - down.output(.dense(x))) / 2e-3
                let analytic = x[column] * (sums[f] - Double(model.factorMatrix[column * 3 + f]) * x[column])
                #expect(abs(numeric - analytic) < 1e-3, "column \(column) factor \(f): \(numeric) vs \(analytic)")
            }
        }
    }

    @Test func regressorFitsALowRankModel() throws {
        let data = Interactions(users: 100, items: 100, width: 200, seed: 7)
        func ratings(_ count: Int, seed: UInt64) -> [DataRow] {
            var random = RandomSource(seed: seed)
            return data.rows(count, seed: seed).map { row in
                guard case .sparse(let indices, _, _) = row.features else { return row }
                let rating = 3 + zip(data.userVectors[indices[0]], data.itemVectors[indices[1] - 100]).reduce(0) { $0 + $1.0 * $1.1 }
                return DataRow(features: row.features, label: [rating + random.normal(mean: 0, standardDeviation: 0.1)])
            }
        }
        let folder = try Data.folder("fm-regressor")
        let channels = ["train": try Self.channel(ratings(30_000, seed: 8), name: "train", folder: folder),
                        "test": try Self.channel(ratings(5_000, seed: 9), name: "test", folder: folder)]
        let trained = try FactorizationMachinesAlgorithm.train(
            FactorizationMachinesHyperparameters.validated(["feature_dim": "200", "num_factors": "6", "predictor_type": "regressor", "epochs": "20",
                                                            "linear_lr": "0.02", "factors_lr": "0.02", "factors_init_sigma": "0.1", "bias_lr": "0.1"]),
            context: TrainingContext(channels: channels, metrics: MetricsReporter { _ in }))
        guard case .number(let rmse)? = trained.metadata.first(where: { $0.0 == "test_rmse" })?.1 else { Issue.record("no test_rmse"); return }
        // The ratings vary with standard deviation about 1.7; noise is 0.1.
        #expect(rmse < 0.35, "test RMSE \(rmse)")
    }

    @Test func badInputIsNamedAndSnapshotsRoundTrip() throws {
        #expect(throws: HyperparameterError.self) {
            try FactorizationMachinesHyperparameters.validated(["feature_dim": "100000000", "num_factors": "64", "predictor_type": "regressor"])
        }
        #expect(throws: HyperparameterError.self) { try FactorizationMachinesHyperparameters.validated(["feature_dim": "10", "predictor_type": "regressor"]) }
        let folder = try Data.folder("fm-bad")
        var rows = FactorizationMachinesAlgorithm.pairs(50, seed: 1)
        rows[9][0] = 0.5
        let path = try FixtureFiles.write(FixtureFiles.csvLines(rows), to: folder, name: "train.csv")
        let channel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv"), path: path)
        let hp = try FactorizationMachinesHyperparameters.validated(["feature_dim": "40", "num_factors": "2", "predictor_type": "binary_classifier"])
        let error = #expect(throws: FormatError.self) {
            try FactorizationMachinesAlgorithm.train(hp, context: TrainingContext(channels: ["train": channel], metrics: MetricsReporter { _ in }))
        }
        #expect(error.map { "\($0)" }?.contains("10") == true)
        rows[9][0] = 1
        let good = try FixtureFiles.write(FixtureFiles.csvLines(rows), to: folder, name: "good.csv")
        let trained = try FactorizationMachinesAlgorithm.train(hp, context: TrainingContext(
            channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv"), path: good)], metrics: MetricsReporter { _ in }))
        let bytes = trained.model.snapshot()
        #expect(try FactorizationMachinesModel(snapshot: bytes, name: "m") == trained.model)
    }
}

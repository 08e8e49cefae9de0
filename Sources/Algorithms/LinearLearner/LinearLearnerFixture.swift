import Foundation
import WeirAlgorithm
import WeirCore
import WeirMath

extension LinearLearnerAlgorithm {
    /// A binary problem in four features whose log-odds are linear in them (label first in
    /// the CSV), with validation and test channels. Quality: test accuracy beside always
    /// answering the commoner class.
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["predictor_type": "binary_classifier", "feature_dim": "4", "epochs": "5", "mini_batch_size": "50",
                              "num_models": "4", "seed": "3"],
            channels: { directory in
                let train = try FixtureFiles.write(FixtureFiles.csvLines(records(600, seed: 1)), to: directory, name: "train.csv")
                let validation = try FixtureFiles.write(FixtureFiles.csvLines(records(200, seed: 2)), to: directory, name: "validation.csv")
                let test = try FixtureFiles.write(FixtureFiles.csvLines(records(200, seed: 3)), to: directory, name: "test.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv"),
                        "validation": FixtureFiles.channel("validation", path: validation, contentType: "text/csv"),
                        "test": FixtureFiles.channel("test", path: test, contentType: "text/csv")]
            },
            requests: .numeric(records(5, seed: 4).map { Array($0.dropFirst()) } + [[0, 0, 0, 0]]),
            badRequests: AlgorithmFixture.numericBadRequests(width: 4),
            quality: { snapshot, _ in
                let model = try LinearLearnerModel(snapshot: snapshot, name: "fixture")
                let fresh = records(400, seed: 5)
                let correct = fresh.filter { row in
                    model.predictedLabel(model.responseScores(model.linearOutputs(dense: Array(row.dropFirst())))) == row[0]
                }.count
                let ones = fresh.filter { $0[0] == 1 }.count
                return AlgorithmFixture.Quality(metric: "accuracy", model: Double(correct) / 400,
                                                baseline: Double(max(ones, 400 - ones)) / 400, higherIsBetter: true)
            })
    }

    /// Rows `[label, a, b, c, d]`: the label is 1 with probability sigmoid(2a - b + 0.5c),
    /// `d` is noise, and the features have different scales and offsets.
    static func records(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let x = (0..<4).map { _ in random.normal(mean: 0, standardDeviation: 1) }
            let logit = 2 * x[0] - x[1] + 0.5 * x[2]
            let label: Double = random.uniform() < 1 / (1 + exp(-logit)) ? 1 : 0
            return [label, x[0], 10 * x[1] + 5, 0.1 * x[2], x[3]]
        }
    }
}

import WeirAlgorithm
import WeirCore
import WeirMath

extension FactorizationMachinesAlgorithm {
    /// One-hot users x items (20 + 20 columns, label first in the CSV) where the label is
    /// whether the user's group matches the item's: a pure interaction that no linear model
    /// can learn. Quality: accuracy on fresh pairs beside always answering the commoner class.
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["feature_dim": "40", "num_factors": "4", "predictor_type": "binary_classifier", "epochs": "30",
                              "mini_batch_size": "50", "linear_lr": "0.05", "factors_lr": "0.05", "factors_init_sigma": "0.1", "seed": "4"],
            channels: { directory in
                let train = try FixtureFiles.write(FixtureFiles.csvLines(pairs(1_600, seed: 1)), to: directory, name: "train.csv")
                let test = try FixtureFiles.write(FixtureFiles.csvLines(pairs(400, seed: 2)), to: directory, name: "test.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv"),
                        "test": FixtureFiles.channel("test", path: test, contentType: "text/csv")]
            },
            requests: .numeric(pairs(5, seed: 3).map { Array($0.dropFirst()) } + [[Double](repeating: 0, count: 40)]),
            badRequests: AlgorithmFixture.numericBadRequests(width: 40),
            quality: { snapshot, _ in
                let model = try FactorizationMachinesModel(snapshot: snapshot, name: "fixture")
                let fresh = pairs(400, seed: 5)
                let correct = fresh.filter { row in
                    (model.responseScore(model.output(.dense(Array(row.dropFirst())))) >= 0.5 ? 1.0 : 0.0) == row[0]
                }.count
                let ones = fresh.filter { $0[0] == 1 }.count
                return AlgorithmFixture.Quality(metric: "accuracy", model: Double(correct) / 400,
                                                baseline: Double(max(ones, 400 - ones)) / 400, higherIsBetter: true)
            })
    }

    /// Rows `[label, user one-hot (20), item one-hot (20)]`: users and items in two groups
    /// (by parity); label 1 when the groups match.
    static func pairs(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let user = random.uniformInt(below: 20), item = random.uniformInt(below: 20)
            var row = [Double](repeating: 0, count: 41)
            row[0] = user % 2 == item % 2 ? 1 : 0
            row[1 + user] = 1
            row[21 + item] = 1
            return row
        }
    }
}

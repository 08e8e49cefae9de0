import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath

extension XGBoostAlgorithm {
    /// Six features, one in ten values missing (empty CSV fields), a label that depends on
    /// two features non-linearly and on a third through an interaction. Quality: accuracy
    /// on fresh records beside always answering the commoner class.
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["num_round": "30", "objective": "binary:logistic", "max_depth": "4", "eta": "0.3",
                              "eval_metric": "logloss,auc", "seed": "3", "nthread": "2"],
            channels: { directory in
                let train = try FixtureFiles.write(csv(records(800, seed: 1)), to: directory, name: "train.csv")
                let validation = try FixtureFiles.write(csv(records(200, seed: 2)), to: directory, name: "validation.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv"),
                        "validation": FixtureFiles.channel("validation", path: validation, contentType: "text/csv")]
            },
            requests: .numeric(records(5, seed: 3).map { $0.dropFirst().map { $0.isNaN ? 0 : $0 } }),
            badRequests: Array(AlgorithmFixture.numericBadRequests(width: 6).prefix(2)),
            quality: { snapshot, _ in
                let model = try XGBoostModel(snapshot: snapshot, name: "fixture")
                let fresh = records(600, seed: 5)
                let correct = fresh.filter { row in
                    (model.predict(row.dropFirst().map(Float.init))[0] >= 0.5 ? 1.0 : 0.0) == row[0]
                }.count
                let ones = fresh.filter { $0[0] == 1 }.count
                return AlgorithmFixture.Quality(metric: "accuracy", model: Double(correct) / 600,
                                                baseline: Double(max(ones, 600 - ones)) / 600, higherIsBetter: true)
            })
    }

    /// Rows `[label, x0...x5]` with NaN for missing values.
    static func records(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            var x = (0..<6).map { _ in random.normal(mean: 0, standardDeviation: 1) }
            let signal = x[0] * x[0] + (x[1] > 0 ? x[2] : -x[2]) + 0.3 * random.normal(mean: 0, standardDeviation: 1)
            for index in x.indices where random.uniform() < 0.1 { x[index] = .nan }
            return [signal > 1 ? 1 : 0] + x
        }
    }

    /// CSV lines with empty fields for missing values.
    static func csv(_ rows: [[Double]]) -> [String] {
        rows.map { row in row.map { $0.isNaN ? "" : NumberText.format($0) }.joined(separator: ",") }
    }
}

import WeirAlgorithm
import WeirCore
import WeirMath

extension KNNAlgorithm {
    /// Two labelled Gaussian classes in three features (label first in the CSV).
    /// Quality: accuracy on fresh points, beside always answering the commoner class.
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["feature_dim": "3", "k": "5", "predictor_type": "classifier", "sample_size": "300", "seed": "2"],
            channels: { directory in
                let train = try FixtureFiles.write(FixtureFiles.csvLines(classes(400, seed: 1)), to: directory, name: "train.csv")
                let test = try FixtureFiles.write(FixtureFiles.csvLines(classes(100, seed: 2)), to: directory, name: "test.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv"),
                        "test": FixtureFiles.channel("test", path: test, contentType: "text/csv")]
            },
            requests: .numeric(classes(5, seed: 3).map { Array($0.dropFirst()) } + [[9, 9, -9]]),
            badRequests: AlgorithmFixture.numericBadRequests(width: 3),
            stream: AlgorithmFixture.Stream(
                settings: JSONObject([("features", .array(["a", "b", "c"].map { .string($0) })), ("false_positive_rate", .number(0.01))]),
                events: classes(90, seed: 4).enumerated().map { index, row in
                    let values = index % 30 == 29 ? [8.0, -8, 8] : Array(row.dropFirst())
                    return (JSONObject(zip(["a", "b", "c"], values).map { ($0, JSONValue.number($1)) }), 1_790_812_800_000 + Int64(index) * 1_000)
                }),
            quality: { snapshot, _ in
                let model = try KNNModel(snapshot: snapshot, name: "fixture")
                let fresh = classes(200, seed: 5)
                let correct = fresh.filter { model.predictedLabel(model.neighbours(of: $0.dropFirst().map { Float($0) }).points) == $0[0] }.count
                let ones = fresh.filter { $0[0] == 1 }.count
                return AlgorithmFixture.Quality(metric: "accuracy", model: Double(correct) / 200,
                                                baseline: Double(max(ones, 200 - ones)) / 200, higherIsBetter: true)
            })
    }

    /// Rows `[label, a, b, c]`: class 0 around (0, 0, 0), class 1 around (2, 2, 1).
    static func classes(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { index in
            let label = Double(index % 2)
            return [label] + [2 * label, 2 * label, label].map { $0 + random.normal(mean: 0, standardDeviation: 0.8) }
        }
    }
}

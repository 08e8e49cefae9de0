import WeirAlgorithm
import WeirCore
import WeirMath

extension PCAAlgorithm {
    /// Four features driven by two hidden factors plus a little noise. Quality: the share
    /// of a fresh sample's variance two components leave out, beside the share two raw
    /// features (the first two axes) leave out.
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["feature_dim": "4", "num_components": "2", "mini_batch_size": "64"],
            channels: { directory in
                let train = try FixtureFiles.write(FixtureFiles.csvLines(factorRows(500, seed: 1)), to: directory, name: "train.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv;label_size=0")]
            },
            requests: .numeric(factorRows(5, seed: 2) + [[9, -9, 9, -9]]),
            badRequests: AlgorithmFixture.numericBadRequests(width: 4),
            stream: AlgorithmFixture.Stream(
                settings: JSONObject([("features", .array(["a", "b", "c", "d"].map { .string($0) })), ("false_positive_rate", .number(0.01))]),
                events: factorRows(120, seed: 3).enumerated().map { index, row in
                    let values = index % 30 == 29 ? [4.0, -4, 4, -4] : row
                    return (JSONObject(zip(["a", "b", "c", "d"], values).map { ($0, JSONValue.number($1)) }), 1_790_812_800_000 + Int64(index) * 1_000)
                }),
            quality: { snapshot, _ in
                let model = try PCAModel(snapshot: snapshot, name: "fixture")
                let fresh = factorRows(400, seed: 4)
                let mean = (0..<4).map { column in fresh.map { $0[column] }.reduce(0, +) / Double(fresh.count) }
                var total = 0.0, left = 0.0, leftByAxes = 0.0
                for row in fresh {
                    let centred = zip(row, mean).map { $0 - $1 }
                    total += centred.reduce(0) { $0 + $1 * $1 }
                    let residual = model.project(row).residual
                    left += residual * residual
                    leftByAxes += centred[2] * centred[2] + centred[3] * centred[3]
                }
                return AlgorithmFixture.Quality(metric: "unexplained_variance_share", model: left / total, baseline: leftByAxes / total,
                                                higherIsBetter: false)
            })
    }

    static func factorRows(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let f = random.normal(mean: 0, standardDeviation: 3), g = random.normal(mean: 0, standardDeviation: 1.5)
            return [10 + f + 0.5 * g, -2 + 0.8 * f - g, 5 + g, 0.3 * f + 0.7 * g].map { $0 + random.normal(mean: 0, standardDeviation: 0.1) }
        }
    }
}

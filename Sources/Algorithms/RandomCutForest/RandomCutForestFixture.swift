import Foundation
import WeirAlgorithm
import WeirCore
import WeirMath

extension RandomCutForestAlgorithm {
    /// Two correlated Gaussian features; the test set mixes such points with points off
    /// the cluster. Quality: ROC AUC of the scores against the labels (a constant score
    /// has 0.5).
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["feature_dim": "2", "num_trees": "50", "num_samples_per_tree": "64", "seed": "7"],
            channels: { directory in
                let train = try FixtureFiles.write(FixtureFiles.csvLines(normalPoints(400, seed: 1)), to: directory, name: "train.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv;label_size=0")]
            },
            requests: .numeric(normalPoints(5, seed: 2) + [[6, -6]]),
            badRequests: AlgorithmFixture.numericBadRequests(width: 2),
            stream: AlgorithmFixture.Stream(
                settings: JSONObject([("features", .array([.string("x"), .string("y")])), ("key_field", .string("host")),
                                      ("shingle_size", .number(1))]),
                events: streamEvents()),
            quality: { snapshot, _ in
                let forest = try RandomCutForest(snapshot: snapshot, name: "fixture")
                var random = RandomSource(seed: 3)
                var scores: [Double] = [], labels: [Bool] = []
                for point in normalPoints(200, seed: 4) {
                    scores.append(forest.score(point.map { Float($0) }))
                    labels.append(false)
                }
                for _ in 0..<20 {
                    let angle = random.uniform(in: 0..<(2 * Double.pi))
                    scores.append(forest.score([Float(5 * cos(angle)), Float(5 * sin(angle))]))
                    labels.append(true)
                }
                return AlgorithmFixture.Quality(metric: "roc_auc", model: EvaluationMetrics.rocAUC(scores: scores, labels: labels),
                                                baseline: 0.5, higherIsBetter: true)
            })
    }

    /// Three hosts' points from the training distribution, in turn, with one far point
    /// per host near the end: the operator starts each host from the trained forest.
    static func streamEvents() -> [(fields: JSONObject, timestampMs: Int64)] {
        normalPoints(240, seed: 5).enumerated().map { index, point in
            let far = index >= 200 && index % 37 == 0
            let values = far ? [6.0, -6.0] : point
            return (JSONObject([("host", .string("h\(index % 3)")), ("x", .number(values[0])), ("y", .number(values[1]))]),
                    1_790_812_800_000 + Int64(index) * 1_000)
        }
    }

    static func normalPoints(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let x = random.normal()
            return [x, 0.8 * x + 0.6 * random.normal()]
        }
    }
}

import WeirAlgorithm
import WeirCore
import WeirMath

extension KMeansAlgorithm {
    static let fixtureCentres: [[Double]] = [[0, 0], [6, 1], [2, 7]]

    /// Three round blobs in two features. Quality: mean squared distance of fresh points to
    /// their closest centre, beside one centre at the overall mean (k = 1).
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["feature_dim": "2", "k": "3", "mini_batch_size": "100", "extra_center_factor": "4", "seed": "3"],
            channels: { directory in
                let train = try FixtureFiles.write(FixtureFiles.csvLines(blobs(600, seed: 1)), to: directory, name: "train.csv")
                let test = try FixtureFiles.write(FixtureFiles.csvLines(blobs(150, seed: 2)), to: directory, name: "test.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv;label_size=0"),
                        "test": FixtureFiles.channel("test", path: test, contentType: "text/csv;label_size=0")]
            },
            requests: .numeric(blobs(5, seed: 4) + [[20, -20]]),
            badRequests: AlgorithmFixture.numericBadRequests(width: 2),
            stream: AlgorithmFixture.Stream(
                settings: JSONObject([("features", .array([.string("x"), .string("y")])), ("key_field", .string("host")),
                                      ("learn", .string("per_key")), ("half_life_time_size", .number(50))]),
                events: streamEvents()),
            quality: { snapshot, _ in
                let model = try KMeansModel(snapshot: snapshot, name: "fixture")
                let fresh = blobs(300, seed: 5)
                let index = model.index
                let msd = fresh.map { index.closest(to: $0.map { Float($0) }).squaredDistance }.reduce(0, +) / Double(fresh.count)
                let mean = (0..<2).map { column in fresh.map { $0[column] }.reduce(0, +) / Double(fresh.count) }
                let baseline = fresh.map { zip($0, mean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }.reduce(0, +) / Double(fresh.count)
                return AlgorithmFixture.Quality(metric: "msd", model: msd, baseline: baseline, higherIsBetter: false)
            })
    }

    /// Two hosts' points from the blobs, in turn, with a far point now and then.
    static func streamEvents() -> [(fields: JSONObject, timestampMs: Int64)] {
        blobs(200, seed: 6).enumerated().map { index, point in
            let values = index % 41 == 40 ? [15.0, -12.0] : point
            return (JSONObject([("host", .string("h\(index % 2)")), ("x", .number(values[0])), ("y", .number(values[1]))]),
                    1_790_812_800_000 + Int64(index) * 1_000)
        }
    }

    static func blobs(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { index in
            let centre = fixtureCentres[index % fixtureCentres.count]
            return centre.map { $0 + random.normal(mean: 0, standardDeviation: 0.6) }
        }
    }
}

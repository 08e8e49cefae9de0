import WeirAlgorithm
import WeirMath

extension StatisticsAlgorithm {
    /// Three features with known means (2, -1, 10) and a label. Quality: mean absolute
    /// error of the profiled means against a fresh sample's, beside an all-zero profile's.
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["feature_dim": "3", "mini_batch_size": "64"],
            channels: { directory in
                let rows = sample(500, seed: 1).map { [Double($0[0] > 2 ? 1 : 0)] + $0 }
                let train = try FixtureFiles.write(FixtureFiles.csvLines(rows), to: directory, name: "train.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv")]
            },
            seedHyperparameter: nil,
            requests: .none,
            quality: { snapshot, _ in
                let profile = try StatisticsProfile(snapshot: snapshot, name: "fixture")
                let fresh = sample(2000, seed: 2)
                let means = (0..<3).map { column in fresh.map { $0[column] }.reduce(0, +) / Double(fresh.count) }
                let error = zip(profile.features, means).map { abs($0.mean - $1) }.reduce(0, +) / 3
                return AlgorithmFixture.Quality(metric: "mean_abs_error_of_means", model: error,
                                                baseline: means.map(abs).reduce(0, +) / 3, higherIsBetter: false)
            })
    }

    static func sample(_ count: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in [random.normal(mean: 2, standardDeviation: 1), random.normal(mean: -1, standardDeviation: 0.5),
                                      random.normal(mean: 10, standardDeviation: 3)] }
    }
}

import Testing
import WeirMath

struct StatisticsTests {
    @Test func welfordMatchesTwoPassAndMergesExactly() {
        var random = RandomSource(seed: 11)
        // A large offset is where the naive sum of squares loses every digit.
        let values = (0..<10_000).map { _ in 1e9 + random.normal() }
        let moments = RunningMoments(values)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        // Means of values near 1e9 agree to a few units in the last place (ulp(1e9) is 1.2e-7).
        #expect(abs(moments.mean - mean) < 1e-14 * mean)
        #expect(abs(moments.sampleVariance - variance) / variance < 1e-6)
        var left = RunningMoments(values[..<3_000])
        left.merge(RunningMoments(values[3_000...]))
        #expect(abs(left.mean - moments.mean) < 1e-14 * mean && abs(left.sampleVariance - moments.sampleVariance) / variance < 1e-9)
        #expect(left.count == 10_000 && left.minimum == values.min() && left.maximum == values.max())
    }

    @Test func quantilesInterpolateLikeNumPy() {
        let values: [Double] = [7, 1, 3, 5, 9]
        // numpy.quantile([7, 1, 3, 5, 9], [0, 0.1, 0.25, 0.5, 0.9, 1]) -> 1, 1.8, 3, 5, 8.2, 9
        let expected: [Double] = [1, 1.8, 3, 5, 8.2, 9]
        let got = Quantiles.quantiles(values, [0, 0.1, 0.25, 0.5, 0.9, 1])
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(got)")
        #expect(Quantiles.quantile([], 0.5).isNaN)
    }

    @Test func histogramCountsEveryValueSomewhere() {
        var histogram = Histogram(lower: 0, upper: 1, bins: 4)
        for value in [-0.1, 0, 0.24, 0.25, 0.5, 0.99, 1, 2, .nan] { histogram.add(value) }
        #expect(histogram.counts == [2, 1, 1, 1])
        #expect(histogram.underflow == 1 && histogram.overflow == 2 && histogram.missing == 1 && histogram.total == 9)
        #expect(histogram.edge(2) == 0.5)
    }

    @Test func aucCountsOrderedPairsWithTiesAsHalf() {
        #expect(EvaluationMetrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) == 0.75)
        #expect(EvaluationMetrics.rocAUC(scores: [1, 1, 1, 1], labels: [false, true, false, true]) == 0.5)
        #expect(EvaluationMetrics.rocAUC(scores: [3, 2, 1], labels: [true, true, false]) == 1)
        #expect(EvaluationMetrics.rocAUC(scores: [3, 2], labels: [true, true]).isNaN)
    }

    @Test func errorsAndQuantileLoss() {
        #expect(EvaluationMetrics.rmse(predictions: [1, 2, 3], targets: [1, 2, 5]) == (4.0 / 3).squareRoot())
        // Under-forecast by 2 at q = 0.9 costs 2 * 0.9 * 2; over-forecast by 1 costs 2 * 0.1 * 1.
        let loss = EvaluationMetrics.quantileLoss(targets: [10, 10], forecasts: [8, 11], quantile: 0.9)
        #expect(abs(loss - (3.6 + 0.2)) < 1e-12)
        #expect(abs(EvaluationMetrics.weightedQuantileLoss(targets: [10, 10], forecasts: [8, 11], quantile: 0.9) - 0.19) < 1e-12)
    }
}

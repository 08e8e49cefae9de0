/// The distribution of scores of normal events (a validation channel's real logins), kept
/// as quantiles of its lower tail and middle. It turns a target false-positive rate into
/// a score threshold ("flag the 0.5% least likely normal events") and a score into the
/// share of normal events that score lower.
public struct ScoreCalibration: Sendable, Equatable {
    /// Probabilities at which quantiles are kept.
    public static let probabilities: [Double] = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]
    /// `quantiles[i]` is the score below which `probabilities[i]` of normal events fall.
    public let quantiles: [Double]
    /// How many scores the quantiles were taken from.
    public let sampleCount: Int

    public init(quantiles: [Double], sampleCount: Int) {
        precondition(quantiles.count == Self.probabilities.count, "one quantile per probability")
        self.quantiles = quantiles
        self.sampleCount = sampleCount
    }

    /// Quantiles of `scores` (type 7, as NumPy's default); nil for no finite scores.
    public init?(scores: [Float]) {
        let sorted = scores.filter { $0.isFinite }.map(Double.init).sorted()
        guard !sorted.isEmpty else { return nil }
        quantiles = Self.probabilities.map { probability in
            let position = probability * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(lower + 1, sorted.count - 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
        }
        sampleCount = sorted.count
    }

    /// The score below which `rate` of normal events fall (interpolated between the kept
    /// quantiles; rates outside them take the nearest one).
    public func threshold(falsePositiveRate rate: Double) -> Double {
        let probabilities = Self.probabilities
        if rate <= probabilities[0] { return quantiles[0] }
        for index in 1..<probabilities.count where rate <= probabilities[index] {
            let fraction = (rate - probabilities[index - 1]) / (probabilities[index] - probabilities[index - 1])
            return quantiles[index - 1] + fraction * (quantiles[index] - quantiles[index - 1])
        }
        return quantiles[quantiles.count - 1]
    }

    /// The share of normal events that score below `score` (0 below the lowest kept
    /// quantile's probability, capped at the highest).
    public func normalShareBelow(_ score: Double) -> Double {
        let probabilities = Self.probabilities
        if score <= quantiles[0] { return score < quantiles[0] ? 0 : probabilities[0] }
        for index in 1..<quantiles.count where score <= quantiles[index] {
            let width = quantiles[index] - quantiles[index - 1]
            let fraction = width > 0 ? (score - quantiles[index - 1]) / width : 1
            return probabilities[index - 1] + fraction * (probabilities[index] - probabilities[index - 1])
        }
        return probabilities[probabilities.count - 1]
    }
}

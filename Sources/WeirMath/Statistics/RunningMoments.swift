/// Count, mean and variance of a stream in one pass with Welford's update, which stays
/// accurate where the naive sum of squares cancels catastrophically. Two summaries merge
/// exactly (Chan et al.), so partitions can be summarised apart and combined.
public struct RunningMoments: Sendable, Equatable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean.
    public private(set) var m2: Double = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    public init() {}

    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for value in values { add(value) }
    }

    public mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        m2 += delta * (value - mean)
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
    }

    /// Folds in a summary of other values.
    public mutating func merge(_ other: RunningMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let total = count + other.count
        let delta = other.mean - mean
        mean += delta * Double(other.count) / Double(total)
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / Double(total)
        count = total
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// The variance with denominator n - 1 (NaN below two values).
    public var sampleVariance: Double { count > 1 ? m2 / Double(count - 1) : .nan }
    /// The variance with denominator n.
    public var populationVariance: Double { count > 0 ? m2 / Double(count) : .nan }
    public var sampleStandardDeviation: Double { sampleVariance.squareRoot() }
}

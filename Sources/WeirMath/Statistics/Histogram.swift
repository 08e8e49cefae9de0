/// Counts of values in equal-width bins over [lower, upper), with the values below and
/// at-or-above the range counted apart so that nothing is silently dropped.
public struct Histogram: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public private(set) var counts: [Int]
    public private(set) var underflow = 0
    public private(set) var overflow = 0
    /// NaN values, which belong to no bin.
    public private(set) var missing = 0

    public init(lower: Double, upper: Double, bins: Int) {
        precondition(upper > lower && bins > 0, "a histogram needs upper > lower and at least one bin")
        self.lower = lower
        self.upper = upper
        counts = Array(repeating: 0, count: bins)
    }

    public var total: Int { counts.reduce(0, +) + underflow + overflow + missing }

    public mutating func add(_ value: Double) {
        if value.isNaN {
            missing += 1
        } else if value < lower {
            underflow += 1
        } else if value >= upper {
            overflow += 1
        } else {
            let bin = Int((value - lower) / (upper - lower) * Double(counts.count))
            counts[Swift.min(bin, counts.count - 1)] += 1
        }
    }

    /// The lower edge of bin `index`.
    public func edge(_ index: Int) -> Double {
        lower + (upper - lower) * Double(index) / Double(counts.count)
    }
}

/// Quantiles of a sample with linear interpolation between order statistics (Hyndman
/// and Fan's type 7, the default of NumPy and R), so results match what users check
/// against.
public enum Quantiles {
    /// The q-quantile (q in [0, 1]) of `values`; NaN for an empty sample.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        quantiles(values, [q])[0]
    }

    /// Several quantiles of one sample, sorting it once.
    public static func quantiles(_ values: [Double], _ qs: [Double]) -> [Double] {
        precondition(qs.allSatisfy { (0...1).contains($0) }, "quantile levels must lie in [0, 1], got \(qs)")
        guard !values.isEmpty else { return qs.map { _ in .nan } }
        let sorted = values.sorted()
        return qs.map { ofSorted(sorted, $0) }
    }

    /// The q-quantile of an already sorted sample.
    public static func ofSorted(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = Swift.min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }
}

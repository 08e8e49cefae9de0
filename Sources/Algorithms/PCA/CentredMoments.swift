import WeirAlgorithm
import WeirMath

/// The first moments of a pass over the data, about a shift (the first dense row), so that
/// second moments summed in doubles do not lose the variance to a large mean. Sparse
/// batches keep a zero shift, so that they are never densified.
struct CentredMoments {
    let dimension: Int
    private(set) var shift: [Double]?
    private(set) var count = 0
    /// The sum of (x - shift).
    private(set) var sum: [Double]
    /// The sum of |x - shift|^2.
    private(set) var squaredNorms = 0.0

    init(dimension: Int) {
        self.dimension = dimension
        sum = [Double](repeating: 0, count: dimension)
    }

    var shiftIsZero: Bool { shift.map { $0.allSatisfy { $0 == 0 } } ?? true }

    /// The batch shifted, dense; nil when it is sparse and the shift is zero (the caller
    /// then works on its non-zeros). Adds the batch to the moments either way.
    mutating func absorb(_ batch: FeatureBatch<Double>) -> [Double]? {
        if shift == nil {
            if batch.isSparse {
                shift = [Double](repeating: 0, count: dimension)
            } else {
                shift = Array(batch.denseMatrix[0..<dimension])
            }
        }
        count += batch.count
        if batch.isSparse && shiftIsZero {
            for row in 0..<batch.count {
                batch.forEachEntry(ofRow: row) { column, value in
                    sum[column] += value
                    squaredNorms += value * value
                }
            }
            return nil
        }
        var matrix = batch.denseMatrix
        let shift = self.shift ?? []
        for row in 0..<batch.count {
            let base = row * dimension
            for column in 0..<dimension {
                let value = matrix[base + column] - shift[column]
                matrix[base + column] = value
                sum[column] += value
                squaredNorms += value * value
            }
        }
        return matrix
    }

    /// The mean of the data.
    var mean: [Double] {
        let shift = self.shift ?? [Double](repeating: 0, count: dimension)
        return (0..<dimension).map { shift[$0] + sum[$0] / Double(max(count, 1)) }
    }

    /// The mean relative to the shift.
    var shiftedMean: [Double] { sum.map { $0 / Double(max(count, 1)) } }

    /// The total variance (the covariance's trace, divided by n - 1).
    var totalVariance: Double {
        let centred = squaredNorms - Double(count) * shiftedMean.reduce(0) { $0 + $1 * $1 }
        return max(0, centred) / Double(max(count - 1, 1))
    }

    /// The total of |x|^2 / (n - 1), the uncentred counterpart.
    var totalSecondMoment: Double {
        let shift = self.shift ?? [Double](repeating: 0, count: dimension)
        var total = squaredNorms
        for column in 0..<dimension { total += 2 * shift[column] * sum[column] + Double(count) * shift[column] * shift[column] }
        return max(0, total) / Double(max(count - 1, 1))
    }
}

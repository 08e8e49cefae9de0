import WeirAlgorithm
import WeirMath

/// The two ways PCA finds its components from passes over the data. Both see the data as
/// (x - shift) and correct for the mean at the end: C v = (S v - n m (m . v)) / (n - 1)
/// with S the shifted second moments and m the shifted mean; without `subtract_mean` the
/// shift is added back instead, giving the uncentred second moments.
enum PCASolver {
    /// The exact covariance (d x d) of one pass, then its eigenvectors.
    struct Regular {
        let dimension: Int
        var moments: CentredMoments
        var second: [Double]

        init(dimension: Int) {
            self.dimension = dimension
            moments = CentredMoments(dimension: dimension)
            second = [Double](repeating: 0, count: dimension * dimension)
        }

        mutating func absorb(_ batch: FeatureBatch<Double>) {
            let d = dimension
            if let shifted = moments.absorb(batch) {
                shifted.withUnsafeBufferPointer { x in
                    second.withUnsafeMutableBufferPointer { s in
                        Double.gemm(transposeA: true, transposeB: false, m: d, n: d, k: batch.count, alpha: 1,
                                    a: x.baseAddress!, lda: d, b: x.baseAddress!, ldb: d, beta: 1, c: s.baseAddress!, ldc: d)
                    }
                }
            } else {
                for row in 0..<batch.count {
                    var entries: [(Int, Double)] = []
                    batch.forEachEntry(ofRow: row) { entries.append(($0, $1)) }
                    for (i, vi) in entries { for (j, vj) in entries { second[i * d + j] += vi * vj } }
                }
            }
        }

        /// The covariance (or uncentred second moments) divided by n - 1.
        func matrix(subtractMean: Bool) -> [Double] {
            let d = dimension
            let n = Double(moments.count)
            let denominator = Double(max(moments.count - 1, 1))
            var result = second
            if subtractMean {
                let m = moments.shiftedMean
                for i in 0..<d { for j in 0..<d { result[i * d + j] -= n * m[i] * m[j] } }
            } else {
                let shift = moments.mean.enumerated().map { $0.element - moments.shiftedMean[$0.offset] }
                let sum = moments.sum
                for i in 0..<d { for j in 0..<d { result[i * d + j] += shift[i] * sum[j] + sum[i] * shift[j] + n * shift[i] * shift[j] } }
            }
            for index in result.indices { result[index] /= denominator }
            return result
        }
    }

    /// One pass of the randomized solver: the product of the second moments with the
    /// current directions Q (d x l), from (x - shift)((x - shift) . Q) summed over rows.
    struct Sweep {
        let dimension: Int
        let directions: [Double]
        let width: Int
        var moments: CentredMoments
        var product: [Double]

        /// Batches of a later pass come already shifted (as the first pass returned them),
        /// with that pass's moments.
        let preShifted: Bool

        init(directions: [Double], dimension: Int, width: Int, firstPass: CentredMoments? = nil) {
            self.dimension = dimension
            self.directions = directions
            self.width = width
            moments = firstPass ?? CentredMoments(dimension: dimension)
            preShifted = firstPass != nil
            product = [Double](repeating: 0, count: dimension * width)
        }

        /// Adds a batch; returns it shifted (dense) for a later pass to take as it is.
        @discardableResult
        mutating func absorb(_ batch: FeatureBatch<Double>) -> FeatureBatch<Double> {
            let d = dimension, l = width
            let dense: [Double]?
            if preShifted {
                dense = batch.isSparse ? nil : batch.denseMatrix
            } else {
                dense = moments.absorb(batch)
            }
            if let shifted = dense {
                var projected = [Double](repeating: 0, count: batch.count * l)
                shifted.withUnsafeBufferPointer { x in
                    directions.withUnsafeBufferPointer { q in
                        projected.withUnsafeMutableBufferPointer { p in
                            Double.gemm(transposeA: false, transposeB: false, m: batch.count, n: l, k: d, alpha: 1,
                                        a: x.baseAddress!, lda: d, b: q.baseAddress!, ldb: l, beta: 0, c: p.baseAddress!, ldc: l)
                        }
                    }
                    projected.withUnsafeBufferPointer { p in
                        product.withUnsafeMutableBufferPointer { z in
                            Double.gemm(transposeA: true, transposeB: false, m: d, n: l, k: batch.count, alpha: 1,
                                        a: x.baseAddress!, lda: d, b: p.baseAddress!, ldb: l, beta: 1, c: z.baseAddress!, ldc: l)
                        }
                    }
                }
            } else {
                var projected = [Double](repeating: 0, count: l)
                for row in 0..<batch.count {
                    for index in 0..<l { projected[index] = 0 }
                    batch.forEachEntry(ofRow: row) { column, value in
                        for index in 0..<l { projected[index] += value * directions[column * l + index] }
                    }
                    batch.forEachEntry(ofRow: row) { column, value in
                        for index in 0..<l { product[column * l + index] += value * projected[index] }
                    }
                }
            }
            return dense.map { FeatureBatch(rows: $0, dimension: d) } ?? batch
        }

        /// C Q (d x l): the product corrected for the mean, divided by n - 1.
        func result(subtractMean: Bool) -> [Double] {
            let d = dimension, l = width
            let n = Double(moments.count)
            var result = product
            let m = moments.shiftedMean
            if subtractMean {
                // - n m (m^T Q)
                var mq = [Double](repeating: 0, count: l)
                for i in 0..<d { for j in 0..<l { mq[j] += m[i] * directions[i * l + j] } }
                for i in 0..<d { for j in 0..<l { result[i * l + j] -= n * m[i] * mq[j] } }
            } else {
                // + s (sum^T Q) + sum (s^T Q) + n s (s^T Q)
                let shift = (0..<d).map { moments.mean[$0] - m[$0] }
                let sum = moments.sum
                var sumQ = [Double](repeating: 0, count: l), shiftQ = [Double](repeating: 0, count: l)
                for i in 0..<d { for j in 0..<l { sumQ[j] += sum[i] * directions[i * l + j]; shiftQ[j] += shift[i] * directions[i * l + j] } }
                for i in 0..<d { for j in 0..<l { result[i * l + j] += shift[i] * sumQ[j] + sum[i] * shiftQ[j] + n * shift[i] * shiftQ[j] } }
            }
            let denominator = Double(max(moments.count - 1, 1))
            for index in result.indices { result[index] /= denominator }
            return result
        }
    }
}

import WeirAlgorithm
import WeirMath

/// Centres prepared for finding each row's closest one in bulk: the centres row-major
/// (for dense batches, through one matrix product), transposed (for sparse rows, whose
/// cost follows their non-zeros) and their squared norms. Distances are squared Euclidean.
public struct CentreIndex: Sendable {
    public let count: Int
    public let dimension: Int
    public let centres: [Float]
    let transposed: [Float]
    let norms: [Float]

    public init(centres: [Float], count: Int, dimension: Int) {
        precondition(centres.count == count * dimension, "centres do not fill count x dimension")
        self.count = count
        self.dimension = dimension
        self.centres = centres
        var transposed = [Float](repeating: 0, count: centres.count)
        var norms = [Float](repeating: 0, count: count)
        for centre in 0..<count {
            var norm: Float = 0
            for column in 0..<dimension {
                let value = centres[centre * dimension + column]
                transposed[column * count + centre] = value
                norm += value * value
            }
            norms[centre] = norm
        }
        self.transposed = transposed
        self.norms = norms
    }

    /// The closest centre of each row of `batch` and the exact squared distance to it.
    public func assign(_ batch: FeatureBatch<Float>) -> (centre: [Int], squaredDistance: [Double]) {
        let rows = batch.count
        var closest = [Int](repeating: 0, count: rows)
        var distances = [Double](repeating: 0, count: rows)
        guard rows > 0 else { return (closest, distances) }
        switch batch.storage {
        case .dense(let matrix)?:
            // Rows in chunks, so that the rows x centres products stay within a few MB.
            let chunk = max(1, min(rows, 1_048_576 / max(count, 1)))
            var products = [Float](repeating: 0, count: chunk * count)
            matrix.withUnsafeBufferPointer { x in
                centres.withUnsafeBufferPointer { c in
                    products.withUnsafeMutableBufferPointer { p in
                        var start = 0
                        while start < rows {
                            let height = min(chunk, rows - start)
                            Float.gemm(transposeA: false, transposeB: true, m: height, n: count, k: dimension, alpha: 1,
                                       a: x.baseAddress! + start * dimension, lda: dimension, b: c.baseAddress!, ldb: dimension,
                                       beta: 0, c: p.baseAddress!, ldc: count)
                            for row in 0..<height {
                                let base = row * count
                                var best = 0
                                var bestValue = Float.infinity
                                for centre in 0..<count {
                                    let value = norms[centre] - 2 * p[base + centre]
                                    if value < bestValue {
                                        bestValue = value
                                        best = centre
                                    }
                                }
                                closest[start + row] = best
                                distances[start + row] = Self.squaredDistance(x.baseAddress! + (start + row) * dimension,
                                                                              c.baseAddress! + best * dimension, dimension)
                            }
                            start += height
                        }
                    }
                }
            }
        case .sparse?, nil:
            var products = [Float](repeating: 0, count: count)
            for row in 0..<rows {
                for index in 0..<count { products[index] = 0 }
                var rowNorm: Double = 0
                batch.forEachEntry(ofRow: row) { column, value in
                    rowNorm += Double(value) * Double(value)
                    transposed.withUnsafeBufferPointer { t in
                        products.withUnsafeMutableBufferPointer { p in
                            Float.axpy(count: count, alpha: value, x: t.baseAddress! + column * count, y: p.baseAddress!)
                        }
                    }
                }
                var best = 0
                var bestValue = Float.infinity
                for centre in 0..<count {
                    let value = norms[centre] - 2 * products[centre]
                    if value < bestValue {
                        bestValue = value
                        best = centre
                    }
                }
                closest[row] = best
                // |x - c|^2 = |x|^2 - 2 x.c + |c|^2, in double from the sparse row's terms.
                var dot: Double = 0
                batch.forEachEntry(ofRow: row) { column, value in dot += Double(value) * Double(centres[best * dimension + column]) }
                distances[row] = max(0, rowNorm - 2 * dot + Double(norms[best]))
            }
        }
        return (closest, distances)
    }

    /// The closest centre of one vector and the squared distance to it.
    public func closest(to vector: [Float]) -> (centre: Int, squaredDistance: Double) {
        Self.closest(to: vector, centres: centres, count: count, dimension: dimension)
    }

    /// The same over centres not indexed (one record against centres that move with it).
    static func closest(to vector: [Float], centres: [Float], count: Int, dimension: Int) -> (centre: Int, squaredDistance: Double) {
        var best = 0
        var bestDistance = Double.infinity
        vector.withUnsafeBufferPointer { x in
            centres.withUnsafeBufferPointer { c in
                for centre in 0..<count {
                    let distance = squaredDistance(x.baseAddress!, c.baseAddress! + centre * dimension, dimension)
                    if distance < bestDistance {
                        bestDistance = distance
                        best = centre
                    }
                }
            }
        }
        return (best, bestDistance)
    }

    static func squaredDistance(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Double {
        var sum: Double = 0
        for index in 0..<count {
            let difference = Double(x[index]) - Double(y[index])
            sum += difference * difference
        }
        return sum
    }
}

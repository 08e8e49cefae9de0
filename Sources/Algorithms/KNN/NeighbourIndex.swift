import WeirMath

/// The sample as a searchable index: points row-major (reduced; unit length for COSINE),
/// and for an inverted file the cells' centroids and each cell's points. A search returns
/// the k best points with their scores as faiss gives them: squared L2 distance (smaller
/// is closer), or the inner product / cosine (larger is closer).
struct NeighbourIndex: Sendable, Equatable {
    let dimension: Int
    let metric: KNNHyperparameters.Metric
    let points: [Float]
    let norms: [Float]
    /// Inverted file: centroids (`lists x dimension`), and the points of cell c at
    /// `order[starts[c]..<starts[c+1]]`. Empty for a flat index.
    let centroids: [Float]
    let starts: [Int]
    let order: [Int32]
    let probes: Int

    var count: Int { norms.count }
    var lists: Int { starts.isEmpty ? 0 : starts.count - 1 }

    /// `points` of a COSINE index are expected at unit length (`normalise` them first).
    init(points: [Float], dimension: Int, metric: KNNHyperparameters.Metric, centroids: [Float] = [], assignment: [Int] = [], probes: Int = 1) {
        self.dimension = dimension
        self.metric = metric
        let count = points.count / dimension
        let stored = points
        self.points = stored
        norms = (0..<count).map { row in (0..<dimension).reduce(Float(0)) { $0 + stored[row * dimension + $1] * stored[row * dimension + $1] } }
        self.centroids = centroids
        let lists = centroids.count / max(dimension, 1)
        if lists > 0 {
            var counts = [Int](repeating: 0, count: lists)
            for cell in assignment { counts[cell] += 1 }
            var starts = [0]
            for cell in 0..<lists { starts.append(starts[cell] + counts[cell]) }
            var next = Array(starts.dropLast())
            var order = [Int32](repeating: 0, count: count)
            for (point, cell) in assignment.enumerated() {
                order[next[cell]] = Int32(point)
                next[cell] += 1
            }
            self.starts = starts
            self.order = order
        } else {
            starts = []
            order = []
        }
        self.probes = max(1, min(probes, max(lists, 1)))
    }

    static func normalise(_ values: inout [Float], dimension: Int) {
        for row in 0..<(values.count / dimension) {
            var norm: Float = 0
            for column in 0..<dimension { norm += values[row * dimension + column] * values[row * dimension + column] }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for column in 0..<dimension { values[row * dimension + column] *= scale }
        }
    }

    /// Whether a score is better than another under the metric.
    @inline(__always) func better(_ a: Float, _ b: Float) -> Bool { metric == .l2 ? a < b : a > b }

    func score(_ query: [Float], point: Int, queryNorm: Float) -> Float {
        var dot: Float = 0
        let base = point * dimension
        for column in 0..<dimension { dot += query[column] * points[base + column] }
        return metric == .l2 ? max(0, queryNorm - 2 * dot + norms[point]) : dot
    }

    /// The `k` best points for a (reduced) query, best first, and their scores; `excluding`
    /// leaves one point out (leave-one-out calibration).
    func search(_ raw: [Float], k: Int, excluding: Int? = nil) -> (points: [Int], scores: [Float]) {
        var query = raw
        if metric == .cosine { Self.normalise(&query, dimension: dimension) }
        let queryNorm = query.reduce(0) { $0 + $1 * $1 }
        var best: [(score: Float, point: Int)] = []
        best.reserveCapacity(k + 1)
        func offer(_ point: Int, dot: Float? = nil) {
            if point == excluding { return }
            let value = dot.map { metric == .l2 ? max(0, queryNorm - 2 * $0 + norms[point]) : $0 } ?? score(query, point: point, queryNorm: queryNorm)
            if best.count == k, let last = best.last, !better(value, last.score) { return }
            var position = best.count
            while position > 0 && better(value, best[position - 1].score) { position -= 1 }
            best.insert((value, point), at: position)
            if best.count > k { best.removeLast() }
        }
        if lists == 0 {
            // Every point's dot product with the query through one matrix-vector product.
            var dots = [Float](repeating: 0, count: count)
            points.withUnsafeBufferPointer { p in
                query.withUnsafeBufferPointer { q in
                    dots.withUnsafeMutableBufferPointer { out in
                        Float.gemm(transposeA: false, transposeB: false, m: count, n: 1, k: dimension, alpha: 1,
                                   a: p.baseAddress!, lda: dimension, b: q.baseAddress!, ldb: 1, beta: 0, c: out.baseAddress!, ldc: 1)
                    }
                }
            }
            for point in 0..<count { offer(point, dot: dots[point]) }
        } else {
            // The probed cells: nearest centroids by L2 (cosine: the centroids of unit vectors).
            var cells = (0..<lists).map { cell -> (Float, Int) in
                var distance: Float = 0
                for column in 0..<dimension {
                    let difference = query[column] - centroids[cell * dimension + column]
                    distance += difference * difference
                }
                return (metric == .innerProduct ? -Self.dot(query, centroids, cell * dimension, dimension) : distance, cell)
            }
            cells.sort { $0.0 < $1.0 }
            for (_, cell) in cells.prefix(probes) {
                for slot in starts[cell]..<starts[cell + 1] { offer(Int(order[slot])) }
            }
        }
        return (best.map(\.point), best.map(\.score))
    }

    static func dot(_ x: [Float], _ y: [Float], _ offset: Int, _ count: Int) -> Float {
        var sum: Float = 0
        for index in 0..<count { sum += x[index] * y[offset + index] }
        return sum
    }
}

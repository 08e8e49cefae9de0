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
    /// The points (and norms) in cell order, so that each cell is one block.
    let cellPoints: [Float]
    let cellNorms: [Float]
    let largestCell: Int

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
            var blocked = [Float]()
            blocked.reserveCapacity(points.count)
            for point in order { blocked.append(contentsOf: points[(Int(point) * dimension)..<((Int(point) + 1) * dimension)]) }
            cellPoints = blocked
            let pointNorms = norms
            cellNorms = order.map { pointNorms[Int($0)] }
            largestCell = counts.max() ?? 0
        } else {
            starts = []
            order = []
            cellPoints = []
            cellNorms = []
            largestCell = 0
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

    /// The `k` best points for a (reduced) query, best first, and their scores; `excluding`
    /// leaves one point out (leave-one-out calibration). Dot products come from one
    /// matrix-vector product over the whole sample (flat) or over each probed cell, whose
    /// points are stored together (`cellPoints`).
    func search(_ raw: [Float], k: Int, excluding: Int? = nil) -> (points: [Int], scores: [Float]) {
        var query = raw
        if metric == .cosine { Self.normalise(&query, dimension: dimension) }
        let queryNorm = query.reduce(0) { $0 + $1 * $1 }
        var best = TopScores(capacity: k, smallerIsBetter: metric == .l2)
        // The flat index is scanned in blocks, so the buffer stays small (no large allocation per query).
        let block = 4_096
        var dots = [Float](repeating: 0, count: lists == 0 ? min(count, block) : largestCell)
        /// Scores `rows` points from `block` (row-major), whose ids are `ids(i)`.
        func scan(_ block: UnsafePointer<Float>, rows: Int, norms blockNorms: UnsafePointer<Float>, id: (Int) -> Int) {
            guard rows > 0 else { return }
            dots.withUnsafeMutableBufferPointer { out in
                query.withUnsafeBufferPointer { q in
                    Float.gemm(transposeA: false, transposeB: false, m: rows, n: 1, k: dimension, alpha: 1,
                               a: block, lda: dimension, b: q.baseAddress!, ldb: 1, beta: 0, c: out.baseAddress!, ldc: 1)
                }
                for row in 0..<rows {
                    let value = metric == .l2 ? max(0, queryNorm - 2 * out[row] + blockNorms[row]) : out[row]
                    guard best.admits(value) else { continue }
                    let point = id(row)
                    if point != excluding { best.insert(value, point) }
                }
            }
        }
        if lists == 0 {
            points.withUnsafeBufferPointer { p in
                norms.withUnsafeBufferPointer { n in
                    var first = 0
                    while first < count {
                        let rows = min(block, count - first)
                        scan(p.baseAddress! + first * dimension, rows: rows, norms: n.baseAddress! + first) { first + $0 }
                        first += rows
                    }
                }
            }
        } else {
            // The probed cells: nearest centroids by L2 (largest inner product for INNER_PRODUCT).
            var cells = (0..<lists).map { cell -> (Float, Int) in
                var distance: Float = 0
                for column in 0..<dimension {
                    let difference = query[column] - centroids[cell * dimension + column]
                    distance += difference * difference
                }
                return (metric == .innerProduct ? -Self.dot(query, centroids, cell * dimension, dimension) : distance, cell)
            }
            cells.sort { $0.0 < $1.0 }
            cellPoints.withUnsafeBufferPointer { p in
                cellNorms.withUnsafeBufferPointer { n in
                    order.withUnsafeBufferPointer { ids in
                        for (_, cell) in cells.prefix(probes) {
                            let first = starts[cell]
                            scan(p.baseAddress! + first * dimension, rows: starts[cell + 1] - first, norms: n.baseAddress! + first) { Int(ids[first + $0]) }
                        }
                    }
                }
            }
        }
        return (best.points, best.scores)
    }

    static func dot(_ x: [Float], _ y: [Float], _ offset: Int, _ count: Int) -> Float {
        var sum: Float = 0
        for index in 0..<count { sum += x[index] * y[offset + index] }
        return sum
    }
}

/// The best `capacity` (score, point) pairs seen, best first.
struct TopScores {
    let capacity: Int
    let smallerIsBetter: Bool
    private(set) var scores: [Float] = []
    private(set) var points: [Int] = []

    init(capacity: Int, smallerIsBetter: Bool) {
        self.capacity = capacity
        self.smallerIsBetter = smallerIsBetter
        scores.reserveCapacity(capacity + 1)
        points.reserveCapacity(capacity + 1)
    }

    @inline(__always) func better(_ a: Float, _ b: Float) -> Bool { smallerIsBetter ? a < b : a > b }

    /// Whether a score would enter the list.
    @inline(__always) func admits(_ value: Float) -> Bool {
        scores.count < capacity || better(value, scores[scores.count - 1])
    }

    mutating func insert(_ value: Float, _ point: Int) {
        var position = scores.count
        while position > 0 && better(value, scores[position - 1]) { position -= 1 }
        scores.insert(value, at: position)
        points.insert(point, at: position)
        if scores.count > capacity {
            scores.removeLast()
            points.removeLast()
        }
    }
}

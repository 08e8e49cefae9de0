import WeirMath

/// The sample as a searchable index: flat (every point scanned), an inverted file (points
/// grouped into k-means cells; a query scans the `probes` cells nearest to it), or an
/// inverted file of product-quantized residuals (faiss's IVFPQ). Searches return the k best
/// points with their scores as faiss gives them: squared L2 distance (smaller is closer), or
/// the inner product / cosine (larger is closer); a quantized index's distances are its
/// codes' approximations.
struct NeighbourIndex: Sendable, Equatable {
    /// What the index keeps of each point, in scan order (cell by cell).
    enum Storage: Sendable, Equatable {
        /// The vectors (row-major) and their squared norms.
        case full(vectors: [Float], norms: [Float])
        /// Each point's residual to its cell's centroid as `quantizer.parts` code bytes.
        case quantized(ProductQuantizer, codes: [UInt8])
    }

    let dimension: Int
    let metric: KNNHyperparameters.Metric
    let count: Int
    /// Inverted file: the cells' centroids (`lists x dimension`); empty for a flat index.
    let centroids: [Float]
    /// Their squared norms, for choosing the probed cells.
    let centroidNorms: [Float]
    /// Cell c holds scan positions `starts[c]..<starts[c+1]` (a flat index: one cell of all).
    let starts: [Int]
    /// The point at each scan position; empty when scan order is the points' order.
    let order: [Int32]
    let storage: Storage
    let probes: Int
    let largestCell: Int

    var lists: Int { centroids.isEmpty ? 0 : starts.count - 1 }

    /// Builds the index from the points in their own order: `vectors` row-major (at unit
    /// length for COSINE: `normalise` them first), and for an inverted file each point's
    /// cell. With a `quantizer`, only codes of the residuals are kept.
    init(vectors: [Float], dimension: Int, metric: KNNHyperparameters.Metric, centroids: [Float] = [], assignment: [Int] = [],
         probes: Int = 1, quantizer: ProductQuantizer? = nil) {
        let count = vectors.count / max(dimension, 1)
        var codes: [UInt8] = []
        if let quantizer {
            codes = [UInt8](repeating: 0, count: count * quantizer.parts)
            var residual = [Float](repeating: 0, count: dimension)
            codes.withUnsafeMutableBufferPointer { out in
                for point in 0..<count {
                    let cell = assignment.isEmpty ? -1 : assignment[point]
                    for column in 0..<dimension {
                        residual[column] = vectors[point * dimension + column] - (cell < 0 ? 0 : centroids[cell * dimension + column])
                    }
                    quantizer.encode(residual, into: out.baseAddress! + point * quantizer.parts)
                }
            }
        }
        self.init(dimension: dimension, metric: metric, count: count, centroids: centroids, assignment: assignment, probes: probes,
                  pointOrder: quantizer.map { .quantized($0, codes: codes) } ?? .full(vectors: vectors, norms: []))
    }

    /// Builds the index from storage in the points' order (a model file's), moving it into
    /// scan order.
    init(dimension: Int, metric: KNNHyperparameters.Metric, count: Int, centroids: [Float], assignment: [Int], probes: Int,
         pointOrder storage: Storage) {
        self.dimension = dimension
        self.metric = metric
        self.count = count
        self.centroids = centroids
        let lists = centroids.count / max(dimension, 1)
        centroidNorms = (0..<lists).map { cell in
            (0..<dimension).reduce(Float(0)) { $0 + centroids[cell * dimension + $1] * centroids[cell * dimension + $1] }
        }
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
            largestCell = counts.max() ?? 0
        } else {
            starts = [0, count]
            order = []
            largestCell = count
        }
        self.probes = max(1, min(probes, max(lists, 1)))
        let order = self.order
        /// `width` values per point, moved from point order into scan order.
        func scanOrder<T>(_ values: [T], width: Int) -> [T] {
            guard !order.isEmpty else { return values }
            var moved: [T] = []
            moved.reserveCapacity(values.count)
            for point in order { moved.append(contentsOf: values[(Int(point) * width)..<((Int(point) + 1) * width)]) }
            return moved
        }
        switch storage {
        case .full(let vectors, _):
            let scanned = scanOrder(vectors, width: dimension)
            let norms = (0..<count).map { row in
                (0..<dimension).reduce(Float(0)) { $0 + scanned[row * dimension + $1] * scanned[row * dimension + $1] }
            }
            self.storage = .full(vectors: scanned, norms: norms)
        case .quantized(let quantizer, let codes):
            self.storage = .quantized(quantizer, codes: scanOrder(codes, width: quantizer.parts))
        }
    }

    /// The storage back in the points' own order, as a model file keeps it.
    var pointOrderStorage: Storage {
        func pointOrder<T>(_ values: [T], width: Int) -> [T] {
            guard !order.isEmpty, let first = values.first else { return values }
            var moved = [T](repeating: first, count: values.count)
            for (position, point) in order.enumerated() {
                for offset in 0..<width { moved[Int(point) * width + offset] = values[position * width + offset] }
            }
            return moved
        }
        switch storage {
        case .full(let vectors, let norms): return .full(vectors: pointOrder(vectors, width: dimension), norms: pointOrder(norms, width: 1))
        case .quantized(let quantizer, let codes): return .quantized(quantizer, codes: pointOrder(codes, width: quantizer.parts))
        }
    }

    static func normalise(_ values: inout [Float], dimension: Int) {
        for row in 0..<(values.count / dimension) {
            var norm: Float = 0
            for column in 0..<dimension { norm += values[row * dimension + column] * values[row * dimension + column] }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for column in 0..<dimension { values[row * dimension + column] *= scale }
        }
    }

    /// The `k` best points of one (reduced) query, best first, and their scores; `excluding`
    /// leaves one point out (leave-one-out calibration).
    func search(_ query: [Float], k: Int, excluding: Int? = nil) -> (points: [Int], scores: [Float]) {
        let found = search(batch: query, k: k, excluding: [excluding])[0]
        return (found.points, found.scores)
    }

    /// The `k` best points of each query (the rows of `batch`, reduced), best first. Full
    /// vectors are scored with one matrix product per block of points and all the queries
    /// that scan it, so a batch reads the sample once instead of once per query.
    func search(batch raw: [Float], k: Int, excluding: [Int?]) -> [TopScores] {
        let queryCount = raw.count / max(dimension, 1)
        var queries = raw
        if metric == .cosine { Self.normalise(&queries, dimension: dimension) }
        var best = (0..<queryCount).map { _ in TopScores(capacity: k, smallerIsBetter: metric == .l2) }
        guard queryCount > 0, count > 0 else { return best }
        // The cells each query scans, grouped by cell: every query scans the one cell of a flat index.
        var scanning = [[Int]](repeating: [], count: max(lists, 1))
        var nearestCells = [[Int]](repeating: [0], count: queryCount)
        if lists == 0 {
            scanning[0] = Array(0..<queryCount)
        } else {
            nearestCells = probedCells(queries, count: queryCount)
            for (query, cells) in nearestCells.enumerated() {
                for cell in cells { scanning[cell].append(query) }
            }
        }
        switch storage {
        case .full(let vectors, let norms):
            scanFull(vectors: vectors, norms: norms, queries: queries, scanning: scanning, excluding: excluding, into: &best)
        case .quantized(let quantizer, let codes):
            scanQuantized(quantizer, codes: codes, queries: queries, cells: nearestCells, excluding: excluding, into: &best)
        }
        return best
    }

    /// The `probes` cells nearest each query: by L2 to the centroids (largest inner product
    /// for INNER_PRODUCT), from one matrix product of the queries by the centroids.
    private func probedCells(_ queries: [Float], count queryCount: Int) -> [[Int]] {
        let lists = self.lists
        var products = [Float](repeating: 0, count: queryCount * lists)
        Float.gemm(transposeA: false, transposeB: true, m: queryCount, n: lists, k: dimension, alpha: 1,
                   a: queries, lda: dimension, b: centroids, ldb: dimension, beta: 0, c: &products, ldc: lists)
        return (0..<queryCount).map { query in
            var nearest = TopScores(capacity: probes, smallerIsBetter: true)
            for cell in 0..<lists {
                let product = products[query * lists + cell]
                let value = metric == .innerProduct ? -product : centroidNorms[cell] - 2 * product
                if nearest.admits(value) { nearest.insert(value, cell) }
            }
            return nearest.points
        }
    }

    /// Scores full vectors: per cell (or per block of a flat index), the queries that scan it
    /// gathered into one matrix and multiplied by the cell's points.
    private func scanFull(vectors: [Float], norms: [Float], queries: [Float], scanning: [[Int]], excluding: [Int?], into best: inout [TopScores]) {
        let queryNorms = (0..<(queries.count / dimension)).map { row in
            (0..<dimension).reduce(Float(0)) { $0 + queries[row * dimension + $1] * queries[row * dimension + $1] }
        }
        let widest = scanning.map(\.count).max() ?? 0
        // Blocks of points small enough that the queries x points products stay within 4 MB.
        let block = max(64, min(4_096, 1_048_576 / max(widest, 1)))
        var gathered = [Float](repeating: 0, count: widest * dimension)
        var products = [Float](repeating: 0, count: widest * min(block, max(largestCell, 1)))
        vectors.withUnsafeBufferPointer { points in
            norms.withUnsafeBufferPointer { pointNorms in
                for (cell, members) in scanning.enumerated() where !members.isEmpty {
                    for (row, query) in members.enumerated() {
                        for column in 0..<dimension { gathered[row * dimension + column] = queries[query * dimension + column] }
                    }
                    var first = starts[cell]
                    let end = starts[cell + 1]
                    while first < end {
                        let rows = min(block, end - first)
                        gathered.withUnsafeBufferPointer { q in
                            products.withUnsafeMutableBufferPointer { out in
                                if members.count < 4 {
                                    // A few queries: one matrix-vector product each (a thin gemm packs the whole block first).
                                    for row in 0..<members.count {
                                        BLAS.gemv(rows: rows, columns: dimension, a: points.baseAddress! + first * dimension, lda: dimension,
                                                  x: q.baseAddress! + row * dimension, y: out.baseAddress! + row * rows)
                                    }
                                } else {
                                    Float.gemm(transposeA: false, transposeB: true, m: members.count, n: rows, k: dimension, alpha: 1,
                                               a: q.baseAddress!, lda: dimension, b: points.baseAddress! + first * dimension, ldb: dimension,
                                               beta: 0, c: out.baseAddress!, ldc: rows)
                                }
                                for (row, query) in members.enumerated() {
                                    let queryNorm = queryNorms[query]
                                    let skip = excluding.count > query ? excluding[query] : nil
                                    let products = out.baseAddress! + row * rows, norms = pointNorms.baseAddress! + first
                                    var bound = best[query].bound
                                    if metric == .l2 {
                                        for column in 0..<rows {
                                            let value = max(0, queryNorm - 2 * products[column] + norms[column])
                                            guard value < bound else { continue }
                                            let point = pointID(first + column)
                                            if point != skip { best[query].insert(value, point) }
                                            bound = best[query].bound
                                        }
                                    } else {
                                        for column in 0..<rows {
                                            let value = products[column]
                                            guard -value < bound else { continue }
                                            let point = pointID(first + column)
                                            if point != skip { best[query].insert(value, point) }
                                            bound = best[query].bound
                                        }
                                    }
                                }
                            }
                        }
                        first += rows
                    }
                }
            }
        }
    }

    /// Scores codes: per query and probed cell, a table of the residual's sub-vector distances
    /// to the codewords, then one lookup per part and point.
    private func scanQuantized(_ quantizer: ProductQuantizer, codes: [UInt8], queries: [Float], cells: [[Int]], excluding: [Int?],
                               into best: inout [TopScores]) {
        var residual = [Float](repeating: 0, count: dimension)
        var table = [Float](repeating: 0, count: quantizer.parts * quantizer.codewords)
        let parts = quantizer.parts, codewords = quantizer.codewords
        codes.withUnsafeBufferPointer { code in
            for (query, probed) in cells.enumerated() {
                let skip = excluding.count > query ? excluding[query] : nil
                for cell in probed {
                    for column in 0..<dimension {
                        residual[column] = queries[query * dimension + column] - (centroids.isEmpty ? 0 : centroids[cell * dimension + column])
                    }
                    residual.withUnsafeBufferPointer { r in
                        table.withUnsafeMutableBufferPointer { t in quantizer.table(r.baseAddress!, into: t.baseAddress!) }
                    }
                    table.withUnsafeBufferPointer { t in
                        var bound = best[query].bound
                        for position in starts[cell]..<starts[cell + 1] {
                            let value = ProductQuantizer.distance(t.baseAddress!, code: code.baseAddress! + position &* parts, parts: parts, codewords: codewords)
                            guard value < bound else { continue }
                            let point = pointID(position)
                            if point != skip { best[query].insert(value, point) }
                            bound = best[query].bound
                        }
                    }
                }
            }
        }
    }

    @inline(__always) private func pointID(_ position: Int) -> Int {
        order.isEmpty ? position : Int(order[position])
    }
}

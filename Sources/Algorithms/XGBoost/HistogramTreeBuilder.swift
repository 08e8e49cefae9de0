import WeirMath

/// Grows one tree by xgboost's `hist` method: gradient histograms per node (the smaller
/// child built, its sibling by subtraction from the parent), every bin boundary of every
/// allowed feature tried with missing values sent right and then left, nodes expanded
/// level by level (`depthwise`) or best first (`lossguide`), with xgboost's gain, weight,
/// `min_child_weight`, `gamma`, `max_delta_step`, monotone and interaction constraints.
struct HistogramTreeBuilder<Bin: FixedWidthInteger & UnsignedInteger & Sendable> {
    let matrix: QuantizedMatrix<Bin>
    let cuts: QuantileCuts
    let parameters: TreeParameters
    /// Per feature: 1 increasing, -1 decreasing, 0 free (empty: none).
    let monotone: [Int]
    /// Feature sets allowed to interact along a branch (empty: any).
    let interactions: [Set<Int>]
    let sampling: ColumnSampling
    let threads: Int
    /// Per feature: whether any record lacks it (only then are missing values tried left).
    let featureHasMissing: [Bool]

    /// A node being grown: its rows (`positions[begin..<end]`), gradient sums and limits.
    struct GrowingNode {
        var begin: Int
        var end: Int
        var g: Double
        var h: Double
        var depth: Int
        var lower = -Double.greatestFiniteMagnitude
        var upper = Double.greatestFiniteMagnitude
        var pathFeatures: Set<Int> = []
    }

    /// The best split found for a node.
    struct Candidate {
        var node: Int
        var depth: Int
        var lossChange: Float = 0
        var feature = 0
        /// The last global bin sent left (below the feature's first bin: none).
        var lastLeftBin = 0
        var defaultLeft = false
        var condition: Float = 0
        var left = (g: 0.0, h: 0.0)
        var right = (g: 0.0, h: 0.0)
        var found = false

        /// Records a better split (the caller compared: xgboost's `NeedReplace` keeps the
        /// first of equal gains when features come in increasing order).
        mutating func take(_ gain: Float, feature f: Int, lastLeftBin: Int, defaultLeft: Bool, condition: Float,
                           left: (Double, Double), right: (Double, Double)) {
            lossChange = gain
            feature = f
            self.lastLeftBin = lastLeftBin
            self.defaultLeft = defaultLeft
            self.condition = condition
            self.left = (left.0, left.1)
            self.right = (right.0, right.1)
            found = true
        }
    }

    /// The grown tree and, for updating predictions, each leaf's rows: `positions[range]`.
    struct Grown {
        var tree: BoostedTree
        var positions: [UInt32]
        var leafRanges: [(leaf: Int, range: Range<Int>)]
    }

    var hasMonotone: Bool { monotone.contains { $0 != 0 } }

    /// Grows a tree on interleaved gradient pairs (`gradients[2r]`, `gradients[2r+1]`).
    func grow(gradients: [Float], random: inout RandomSource) -> Grown {
        let rows = matrix.rows
        var positions = (0..<rows).map { UInt32(truncatingIfNeeded: $0) }
        var tree = BoostedTree()
        var nodes: [GrowingNode] = []
        var g = 0.0, h = 0.0
        for row in 0..<rows {
            g += Double(gradients[2 * row])
            h += Double(gradients[2 * row + 1])
        }
        let features = cuts.featureCount
        let treeFeatures = Self.sample(Array(0..<features), share: sampling.byTree, random: &random)
        var levelFeatures: [Int: [Int]] = [:]
        func allowed(_ node: GrowingNode, random: inout RandomSource) -> [Int] {
            var base: [Int]
            if let level = levelFeatures[node.depth] {
                base = level
            } else {
                base = Self.sample(treeFeatures, share: sampling.byLevel, random: &random)
                levelFeatures[node.depth] = base
            }
            base = Self.sample(base, share: sampling.byNode, random: &random)
            guard !interactions.isEmpty, !node.pathFeatures.isEmpty else { return base }
            var permitted = node.pathFeatures
            for group in interactions where node.pathFeatures.isSubset(of: group) { permitted.formUnion(group) }
            return base.filter { permitted.contains($0) }
        }

        let root = GrowingNode(begin: 0, end: rows, g: g, h: h, depth: 0)
        nodes.append(root)
        tree.addNode(parent: -1, value: leafValue(weight(root, g, h)), hessian: Float(h))
        var histograms: [Int: [Double]] = [0: buildHistograms(positions, [0..<rows], gradients: gradients)[0]]
        var queue: [Candidate] = []
        if let first = histograms[0].map({ evaluate(0, nodes[0], $0, allowed(nodes[0], random: &random)) }) { queue.append(first) }
        var leaves = 1

        func valid(_ c: Candidate) -> Bool {
            guard c.found, c.lossChange > 1e-6, Double(c.lossChange) >= parameters.gamma else { return false }
            if parameters.maxDepth > 0 && c.depth >= parameters.maxDepth { return false }
            // Unlimited depth (lossguide) still stops where model files stop being read.
            if c.depth >= ModelReader.maximumDepth { return false }
            if parameters.maxLeaves > 0 && leaves >= parameters.maxLeaves { return false }
            return true
        }

        while !queue.isEmpty {
            // Depth-wise: every node of the shallowest level, by id; loss-guided: the best one.
            var batch: [Candidate] = []
            if parameters.lossGuided {
                guard let best = queue.indices.max(by: { a, b in
                    queue[a].lossChange == queue[b].lossChange ? queue[a].node > queue[b].node : queue[a].lossChange < queue[b].lossChange
                }) else { break }
                let candidate = queue.remove(at: best)
                if valid(candidate) {
                    leaves += 1
                    batch.append(candidate)
                } else {
                    continue
                }
            } else {
                queue.sort { $0.node < $1.node }
                let depth = queue[0].depth
                while let first = queue.first, first.depth == depth {
                    queue.removeFirst()
                    if valid(first) {
                        leaves += 1
                        batch.append(first)
                    }
                }
                if batch.isEmpty { continue }
            }
            var expand: [(parent: Int, left: Int, right: Int)] = []
            for candidate in batch {
                let id = candidate.node
                let parentNode = nodes[id]
                let leftWeight = weight(parentNode, candidate.left.g, candidate.left.h)
                let rightWeight = weight(parentNode, candidate.right.g, candidate.right.h)
                tree.feature[id] = Int32(candidate.feature)
                tree.condition[id] = candidate.condition
                tree.defaultLeft[id] = candidate.defaultLeft
                tree.lossChange[id] = candidate.lossChange
                tree.baseWeight[id] = Float(weight(parentNode, parentNode.g, parentNode.h))
                let leftId = tree.addNode(parent: Int32(id), value: leafValue(leftWeight), hessian: Float(candidate.left.h))
                let rightId = tree.addNode(parent: Int32(id), value: leafValue(rightWeight), hessian: Float(candidate.right.h))
                tree.left[id] = Int32(leftId)
                tree.right[id] = Int32(rightId)
                var leftNode = GrowingNode(begin: parentNode.begin, end: parentNode.end, g: candidate.left.g, h: candidate.left.h,
                                           depth: parentNode.depth + 1, lower: parentNode.lower, upper: parentNode.upper,
                                           pathFeatures: parentNode.pathFeatures.union([candidate.feature]))
                var rightNode = leftNode
                rightNode.g = candidate.right.g
                rightNode.h = candidate.right.h
                if hasMonotone {
                    let middle = (leftWeight + rightWeight) / 2
                    switch monotone[candidate.feature] {
                    case 1: leftNode.upper = middle; rightNode.lower = middle
                    case -1: leftNode.lower = middle; rightNode.upper = middle
                    default: break
                    }
                }
                nodes.append(leftNode)
                nodes.append(rightNode)
                expand.append((id, leftId, rightId))
            }
            // The split nodes' rows, partitioned side by side (their ranges are disjoint).
            let splits = partition(&positions, batch.map { ($0, nodes[$0.node].begin..<nodes[$0.node].end) })
            for ((_, leftId, rightId), split) in zip(expand, splits) {
                nodes[leftId].end = split
                nodes[rightId].begin = split
            }
            // Children that may split further get histograms (the smaller built, its
            // sibling by subtraction) and candidates, node by node in parallel.
            let growing = expand.filter { pair in
                let depth = nodes[pair.left].depth
                return !(parameters.maxDepth > 0 && depth >= parameters.maxDepth) && !(parameters.maxLeaves > 0 && leaves >= parameters.maxLeaves)
                    && histograms[pair.parent] != nil
            }
            let smaller = growing.map { pair in
                nodes[pair.left].end - nodes[pair.left].begin <= nodes[pair.right].end - nodes[pair.right].begin ? pair.left : pair.right
            }
            let built = buildHistograms(positions, smaller.map { nodes[$0].begin..<nodes[$0].end }, gradients: gradients)
            let features = growing.map { pair in (allowed(nodes[pair.left], random: &random), allowed(nodes[pair.right], random: &random)) }
            let results = WorkerSlots<(left: [Double], right: [Double], candidates: (Candidate, Candidate))>(count: growing.count)
            let parents = growing.map { histograms[$0.parent] ?? [] }
            let snapshot = nodes
            Parallel.forEach(growing.count, threads: threads) { index in
                let pair = growing[index]
                let small = built[index]
                var large = parents[index]
                for bin in large.indices { large[bin] -= small[bin] }
                let leftHistogram = smaller[index] == pair.left ? small : large
                let rightHistogram = smaller[index] == pair.left ? large : small
                let candidates = (evaluate(pair.left, snapshot[pair.left], leftHistogram, features[index].0),
                                  evaluate(pair.right, snapshot[pair.right], rightHistogram, features[index].1))
                results[index] = (leftHistogram, rightHistogram, candidates)
            }
            for pair in expand { histograms[pair.parent] = nil }
            for (index, pair) in growing.enumerated() {
                guard let result = results[index] else { continue }
                histograms[pair.left] = result.left
                histograms[pair.right] = result.right
                queue.append(result.candidates.0)
                queue.append(result.candidates.1)
            }
        }
        var leafRanges: [(leaf: Int, range: Range<Int>)] = []
        for id in 0..<tree.nodeCount where tree.isLeaf(id) { leafRanges.append((id, nodes[id].begin..<nodes[id].end)) }
        return Grown(tree: tree, positions: positions, leafRanges: leafRanges)
    }

    /// `share` of `features` (at least one), in their order; all of them when `share` is 1.
    static func sample(_ features: [Int], share: Double, random: inout RandomSource) -> [Int] {
        guard share < 1, features.count > 1 else { return features }
        let keep = max(1, Int((share * Double(features.count)).rounded()))
        var pool = features
        for index in 0..<keep {
            let pick = index + random.uniformInt(below: pool.count - index)
            pool.swapAt(index, pick)
        }
        return pool[0..<keep].sorted()
    }

    // MARK: Weights and gains

    /// A node's value: its weight as a Float times eta in Float, as xgboost's evaluator
    /// hands the tree a Float weight and multiplies by its Float learning rate.
    @inline(__always)
    func leafValue(_ weight: Double) -> Float { Float(weight) * Float(parameters.eta) }

    /// The node's leaf weight for sums (g, h), within its monotone bounds.
    @inline(__always)
    func weight(_ node: GrowingNode, _ g: Double, _ h: Double) -> Double {
        let w = parameters.weight(g, h)
        return hasMonotone ? min(max(w, node.lower), node.upper) : w
    }

    @inline(__always)
    func gainGivenWeight(_ g: Double, _ h: Double, _ w: Double) -> Double {
        guard h > 0 else { return 0 }
        if parameters.maxDeltaStep == 0 && !hasMonotone {
            let t = parameters.thresholdL1(g)
            return t * t / (h + parameters.lambda)
        }
        return parameters.gain(g, h, weight: w)
    }

    @inline(__always)
    func splitGain(_ node: GrowingNode, feature: Int, _ lg: Double, _ lh: Double, _ rg: Double, _ rh: Double) -> Double {
        let minimum = parameters.minChildWeight
        guard lh > 0, rh > 0, lh >= minimum, rh >= minimum else { return -.infinity }
        let wl = weight(node, lg, lh), wr = weight(node, rg, rh)
        let gain = gainGivenWeight(lg, lh, wl) + gainGivenWeight(rg, rh, wr)
        guard hasMonotone else { return gain }
        switch monotone[feature] {
        case 1: return wl <= wr ? gain : -.infinity
        case -1: return wl >= wr ? gain : -.infinity
        default: return gain
        }
    }

    /// The best split of a node over `features`, by every bin boundary, missing values
    /// sent right, then (for features with missing values) left. Ties go to the first
    /// split found, as in xgboost (features are tried in increasing order).
    func evaluate(_ id: Int, _ node: GrowingNode, _ histogram: [Double], _ features: [Int]) -> Candidate {
        var best = Candidate(node: id, depth: node.depth)
        let parentGain = gainGivenWeight(node.g, node.h, weight(node, node.g, node.h))
        let plain = !hasMonotone && parameters.maxDeltaStep == 0
        let lambda = parameters.lambda, minimum = parameters.minChildWeight
        let alphaZero = parameters.alpha == 0
        @inline(__always) func score(_ g: Double, _ h: Double) -> Double {
            let t = alphaZero ? g : parameters.thresholdL1(g)
            return t * t / (h + lambda)
        }
        @inline(__always) func gain(_ f: Int, _ lg: Double, _ lh: Double, _ rg: Double, _ rh: Double) -> Float {
            guard plain else { return Float(splitGain(node, feature: f, lg, lh, rg, rh) - parentGain) }
            guard lh > 0, rh > 0, lh >= minimum, rh >= minimum else { return -.infinity }
            return Float(score(lg, lh) + score(rg, rh) - parentGain)
        }
        histogram.withUnsafeBufferPointer { hist in
            cuts.bounds.withUnsafeBufferPointer { bounds in
                for f in features {
                    let start = cuts.featureStarts[f], end = cuts.featureStarts[f + 1]
                    var lg = 0.0, lh = 0.0
                    for bin in start..<end {
                        lg += hist[2 &* bin]
                        lh += hist[2 &* bin &+ 1]
                        let rg = node.g - lg, rh = node.h - lh
                        let value = gain(f, lg, lh, rg, rh)
                        if value > best.lossChange && !value.isInfinite {
                            best.take(value, feature: f, lastLeftBin: bin, defaultLeft: false, condition: bounds[bin],
                                      left: (lg, lh), right: (rg, rh))
                        }
                    }
                    guard featureHasMissing[f] else { continue }
                    var rg = 0.0, rh = 0.0
                    for bin in stride(from: end - 1, through: start, by: -1) {
                        rg += hist[2 &* bin]
                        rh += hist[2 &* bin &+ 1]
                        let lgAll = node.g - rg, lhAll = node.h - rh
                        let value = gain(f, lgAll, lhAll, rg, rh)
                        if value > best.lossChange && !value.isInfinite {
                            best.take(value, feature: f, lastLeftBin: bin - 1, defaultLeft: true,
                                      condition: bin == start ? -Float.greatestFiniteMagnitude : bounds[bin - 1],
                                      left: (lgAll, lhAll), right: (rg, rh))
                        }
                    }
                }
            }
        }
        return best
    }

    // MARK: Rows

    /// Moves each split node's rows that go left to the front of its range, keeping
    /// order (nodes in parallel: their ranges are disjoint); returns where each right
    /// child's rows start.
    func partition(_ positions: inout [UInt32], _ splits: [(Candidate, Range<Int>)]) -> [Int] {
        let results = WorkerSlots<Int>(count: splits.count)
        positions.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedBuffer(buffer)
            Parallel.forEach(splits.count, threads: threads) { index in
                let (split, range) = splits[index]
                results[index] = partition(shared.buffer, range, split)
            }
        }
        return (0..<splits.count).map { results[$0] ?? splits[$0].1.upperBound }
    }

    func partition(_ p: UnsafeMutableBufferPointer<UInt32>, _ range: Range<Int>, _ split: Candidate) -> Int {
        let start = cuts.featureStarts[split.feature], end = cuts.featureStarts[split.feature + 1]
        let last = split.lastLeftBin, feature = split.feature
        var write = range.lowerBound
        var spill: [UInt32] = []
        spill.reserveCapacity(range.count)
        matrix.columns.withUnsafeBufferPointer { columns in
            let column = feature &* matrix.rows
            for index in range {
                let row = p[index]
                let goesLeft: Bool
                if matrix.complete {
                    goesLeft = Int(columns[column &+ Int(row)]) <= last
                } else if let bin = matrix.bin(row: Int(row), feature: feature, start: start, end: end) {
                    goesLeft = bin <= last
                } else {
                    goesLeft = split.defaultLeft
                }
                if goesLeft {
                    p[write] = row
                    write &+= 1
                } else {
                    spill.append(row)
                }
            }
        }
        for (offset, row) in spill.enumerated() { p[write + offset] = row }
        return write
    }

    /// The gradient histograms of several nodes' rows (`positions[range]`): per global
    /// bin, sums of gradient and hessian (interleaved). Large nodes are cut into row
    /// blocks; blocks of all nodes run in parallel and are summed in a fixed order, so
    /// the same thread count gives the same sums.
    func buildHistograms(_ positions: [UInt32], _ ranges: [Range<Int>], gradients: [Float]) -> [[Double]] {
        let size = 2 * cuts.totalBins
        let block = 8_192
        var tasks: [(node: Int, range: Range<Int>)] = []
        for (node, range) in ranges.enumerated() {
            let parts = threads > 1 ? max(1, min(threads * 2, range.count / block)) : 1
            for part in 0..<parts {
                let lower = range.lowerBound + range.count * part / parts, upper = range.lowerBound + range.count * (part + 1) / parts
                tasks.append((node, lower..<upper))
            }
        }
        let slots = WorkerSlots<[Double]>(count: tasks.count)
        let matrix = self.matrix
        let work = tasks
        Parallel.forEach(work.count, threads: threads) { index in
            slots[index] = Self.accumulate(matrix, positions, work[index].range, gradients, size: size)
        }
        var totals = [[Double]](repeating: [], count: ranges.count)
        for (index, task) in tasks.enumerated() {
            guard let partial = slots[index] else { continue }
            if totals[task.node].isEmpty {
                totals[task.node] = partial
            } else {
                for bin in 0..<size { totals[task.node][bin] += partial[bin] }
            }
        }
        return totals.map { $0.isEmpty ? [Double](repeating: 0, count: size) : $0 }
    }

    static func accumulate(_ matrix: QuantizedMatrix<Bin>, _ positions: [UInt32], _ range: Range<Int>, _ gradients: [Float], size: Int) -> [Double] {
        var hist = [Double](repeating: 0, count: size)
        let width = matrix.featureCount
        hist.withUnsafeMutableBufferPointer { outBuffer in
            matrix.bins.withUnsafeBufferPointer { binBuffer in
                matrix.rowStarts.withUnsafeBufferPointer { starts in
                    gradients.withUnsafeBufferPointer { gh in
                        positions.withUnsafeBufferPointer { p in
                            guard let base = outBuffer.baseAddress, let bins = binBuffer.baseAddress else { return }
                            // Gradient and hessian sums side by side: one 16-byte add per entry.
                            let out = UnsafeMutableRawPointer(base).assumingMemoryBound(to: SIMD2<Double>.self)
                            if matrix.complete {
                                for index in range {
                                    let row = Int(p[index])
                                    let pair = SIMD2<Double>(Double(gh[2 &* row]), Double(gh[2 &* row &+ 1]))
                                    if pair == .zero { continue }
                                    let rowBins = bins + row &* width
                                    var f = 0
                                    while f &+ 1 < width {
                                        out[Int(rowBins[f])] += pair
                                        out[Int(rowBins[f &+ 1])] += pair
                                        f &+= 2
                                    }
                                    if f < width { out[Int(rowBins[f])] += pair }
                                }
                            } else {
                                for index in range {
                                    let row = Int(p[index])
                                    let pair = SIMD2<Double>(Double(gh[2 &* row]), Double(gh[2 &* row &+ 1]))
                                    if pair == .zero { continue }
                                    var entry = starts[row]
                                    let last = starts[row &+ 1]
                                    while entry < last {
                                        out[Int(bins[entry])] += pair
                                        entry &+= 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return hist
    }
}

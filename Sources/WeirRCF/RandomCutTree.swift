#if canImport(Glibc)
import Glibc
#endif
import WeirCore
import WeirMath

/// One random cut tree over points of a shared `PointStore`. Internal nodes keep their cut
/// (dimension and value; points with coordinate <= value go left), their mass and their
/// bounding box; leaves keep a point and its multiplicity. Insertion and deletion follow
/// Guha et al. (2016): a new point becomes a sibling wherever a random cut of the merged
/// box would separate it, so the tree is distributed as if built on the current sample.
public struct RandomCutTree: Sendable {
    let dimensions: Int
    private var random: RandomSource

    /// What a descent reads at each internal node, side by side in 16 bytes: one cache
    /// line per level instead of one per field.
    struct Node: Sendable {
        var cutDimension: Int32
        var cutValue: Float
        var left: Int32
        var right: Int32
    }

    // Internal nodes (index >= 0 in a child reference).
    private var nodes: [Node] = []
    private var parent: [Int32] = []
    private var mass: [Int32] = []
    /// Cached bounding boxes: per node when every node caches (`boxSlot` empty), else per
    /// slot of `boxSlot`. A node without a slot has its box assembled from its children.
    private var boxMin: [Float] = []
    private var boxMax: [Float] = []
    /// Share of nodes that cache their box (the AWS library's boundingBoxCacheFraction).
    public let cacheFraction: Double
    /// Every node caches its box (fraction 1): the box of node n starts at n × dimensions.
    private let cachesAll: Bool
    /// Per node, its box slot or -1; empty when every node caches.
    private var boxSlot: [Int32] = []
    private var freeNodes: [Int32] = []

    // Leaves (index l referenced as ~l, i.e. -1 - l).
    private var leafPoint: [Int32] = []
    private var leafMass: [Int32] = []
    private var leafParent: [Int32] = []
    private var freeLeaves: [Int32] = []

    private var root: Int32? = nil
    /// Points in the tree, counting duplicates.
    public private(set) var totalMass: Int = 0

    static let none: Int32 = Int32.min

    public init(dimensions: Int, seed: UInt64, cacheFraction: Double = 1) {
        precondition(cacheFraction >= 0 && cacheFraction <= 1, "the box cache fraction lies in [0, 1]")
        self.dimensions = dimensions
        self.cacheFraction = cacheFraction
        cachesAll = cacheFraction >= 1
        random = RandomSource(seed: seed)
    }

    /// Where node `n`'s cached box starts in `boxMin`/`boxMax`, or nil when it has none.
    @inline(__always)
    private func boxBase(_ n: Int) -> Int? {
        if cachesAll { return n * dimensions }
        let slot = boxSlot[n]
        return slot >= 0 ? Int(slot) * dimensions : nil
    }

    /// Whether node index `n` caches its box: a fixed pseudo-random choice per index
    /// (SplitMix64 of it), so it needs no random draw and survives reuse of the index.
    private func cachesBox(_ n: Int) -> Bool {
        var z = UInt64(n) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53 < cacheFraction
    }

    @inline(__always) static func isLeaf(_ reference: Int32) -> Bool { reference < 0 }
    @inline(__always) static func leafIndex(_ reference: Int32) -> Int { Int(~reference) }

    private func massOf(_ reference: Int32) -> Int32 {
        Self.isLeaf(reference) ? leafMass[Self.leafIndex(reference)] : mass[Int(reference)]
    }

    /// Minimum and maximum of `reference`'s box in `dimension`.
    @inline(__always)
    private func range(_ reference: Int32, _ dimension: Int, _ points: PointValues) -> (Float, Float) {
        if Self.isLeaf(reference) {
            let value = points[leafPoint[Self.leafIndex(reference)], dimension]
            return (value, value)
        }
        let n = Int(reference)
        if cachesAll { return (boxMin[n * dimensions + dimension], boxMax[n * dimensions + dimension]) }
        let slot = boxSlot[n]
        if slot >= 0 { return (boxMin[Int(slot) * dimensions + dimension], boxMax[Int(slot) * dimensions + dimension]) }
        return assembledRange(n, dimension, points)
    }

    /// The range of a node without a cached box: the union of its children's (out of line
    /// and recursive, so `range` itself stays inlinable).
    @inline(never)
    private func assembledRange(_ n: Int, _ dimension: Int, _ points: PointValues) -> (Float, Float) {
        let (l1, h1) = range(nodes[n].left, dimension, points), (l2, h2) = range(nodes[n].right, dimension, points)
        return (min(l1, l2), max(h1, h2))
    }

    private mutating func newLeaf(point: Int32, parent owner: Int32) -> Int32 {
        if let slot = freeLeaves.popLast() {
            leafPoint[Int(slot)] = point
            leafMass[Int(slot)] = 1
            leafParent[Int(slot)] = owner
            return ~slot
        }
        leafPoint.append(point)
        leafMass.append(1)
        leafParent.append(owner)
        return ~Int32(leafPoint.count - 1)
    }

    private mutating func newNode() -> Int32 {
        if let slot = freeNodes.popLast() { return slot }
        nodes.append(Node(cutDimension: 0, cutValue: 0, left: Self.none, right: Self.none))
        parent.append(Self.none)
        mass.append(0)
        let node = nodes.count - 1
        if cacheFraction >= 1 || cachesBox(node) {
            if cacheFraction < 1 { boxSlot.append(Int32(boxMin.count / dimensions)) }
            boxMin.append(contentsOf: repeatElement(0, count: dimensions))
            boxMax.append(contentsOf: repeatElement(0, count: dimensions))
        } else {
            boxSlot.append(-1)
        }
        return Int32(node)
    }

    private mutating func setParent(of reference: Int32, to owner: Int32) {
        if Self.isLeaf(reference) { leafParent[Self.leafIndex(reference)] = owner } else { parent[Int(reference)] = owner }
    }

    private func parentOf(_ reference: Int32) -> Int32 {
        Self.isLeaf(reference) ? leafParent[Self.leafIndex(reference)] : parent[Int(reference)]
    }

    private mutating func replaceChild(of owner: Int32, _ old: Int32, with new: Int32) {
        if owner == Self.none {
            root = new
        } else if nodes[Int(owner)].left == old {
            nodes[Int(owner)].left = new
        } else {
            nodes[Int(owner)].right = new
        }
        setParent(of: new, to: owner)
    }

    /// Inserts point `index` of `store`; returns the point the tree now references for it
    /// (an equal point already in the tree, whose leaf mass grew, or `index` itself).
    public mutating func insert(_ index: Int32, points: PointValues) -> Int32 {
        totalMass += 1
        guard var node = root else {
            root = newLeaf(point: index, parent: Self.none)
            return index
        }
        var rangeSums: Double
        while true {
            // A leaf's box is its point, so a cut of the merged box always separates a
            // different point from it: leaves never reach "follow the existing cut".
            // The merged box of `node` and the point, and a random cut of it.
            rangeSums = 0
            for d in 0..<dimensions {
                let (low, high) = range(node, d, points)
                let x = points[index, d]
                rangeSums += Double(max(high, x) - min(low, x))
            }
            if Self.isLeaf(node) && rangeSums == 0 {
                // The same point again: the leaf counts it twice.
                let leaf = Self.leafIndex(node)
                leafMass[leaf] += 1
                var ancestor = leafParent[leaf]
                while ancestor != Self.none {
                    mass[Int(ancestor)] += 1
                    ancestor = parent[Int(ancestor)]
                }
                return leafPoint[leaf]
            }
            // A dimension with probability proportional to its range in the merged box, and
            // a cut uniform in that range, kept inside [lower, upper) so both sides hold a point.
            var target = random.uniform() * rangeSums
            var dimension = -1
            var cut: Float = 0
            for d in 0..<dimensions {
                let (low, high) = range(node, d, points)
                let x = points[index, d]
                let lower = min(low, x), upper = max(high, x)
                let width = Double(upper - lower)
                guard width > 0 else { continue }
                dimension = d
                cut = min(lower + Float(target), upper.nextDown)
                if target < width { break }
                target -= width
            }
            let (low, high) = range(node, dimension, points)
            let x = points[index, dimension]
            let separates = (x <= cut && cut < low) || (high <= cut && cut < x)
            if separates {
                // A new internal node above `node`, with the point as a new leaf beside it.
                let owner = parentOf(node)
                let split = newNode()
                let dimensionToUse = dimension, cutToUse = cut
                nodes[Int(split)].cutDimension = Int32(dimensionToUse)
                nodes[Int(split)].cutValue = cutToUse
                let leaf = newLeaf(point: index, parent: split)
                if points[index, dimensionToUse] <= cutToUse {
                    nodes[Int(split)].left = leaf
                    nodes[Int(split)].right = node
                } else {
                    nodes[Int(split)].left = node
                    nodes[Int(split)].right = leaf
                }
                mass[Int(split)] = massOf(node) + 1
                if let base = boxBase(Int(split)) {
                    for d in 0..<dimensions {
                        let (lo, hi) = range(node, d, points)
                        let value = points[index, d]
                        boxMin[base + d] = min(lo, value)
                        boxMax[base + d] = max(hi, value)
                    }
                }
                replaceChild(of: owner, node, with: split)
                setParent(of: node, to: split)
                var ancestor = owner
                // Once a cached ancestor's box already holds the point, so do all above it.
                var growing = true
                while ancestor != Self.none {
                    mass[Int(ancestor)] += 1
                    if growing, let base = boxBase(Int(ancestor)) {
                        growing = false
                        for d in 0..<dimensions {
                            let value = points[index, d]
                            let offset = base + d
                            if value < boxMin[offset] { boxMin[offset] = value; growing = true }
                            if value > boxMax[offset] { boxMax[offset] = value; growing = true }
                        }
                    }
                    ancestor = parent[Int(ancestor)]
                }
                return index
            }
            // Follow the existing cut.
            let n = Int(node)
            node = points[index, Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        }
    }

    /// Removes one occurrence of point `index` (by its coordinates); false if absent.
    @discardableResult
    public mutating func delete(_ index: Int32, points: PointValues) -> Bool {
        guard var node = root else { return false }
        while !Self.isLeaf(node) {
            let n = Int(node)
            node = points[index, Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        }
        let leaf = Self.leafIndex(node)
        for d in 0..<dimensions where points[leafPoint[leaf], d] != points[index, d] { return false }
        totalMass -= 1
        if leafMass[leaf] > 1 {
            leafMass[leaf] -= 1
            var ancestor = leafParent[leaf]
            while ancestor != Self.none {
                mass[Int(ancestor)] -= 1
                ancestor = parent[Int(ancestor)]
            }
            return true
        }
        let owner = leafParent[leaf]
        freeLeaves.append(Int32(leaf))
        guard owner != Self.none else {
            root = nil
            return true
        }
        let sibling = nodes[Int(owner)].left == node ? nodes[Int(owner)].right : nodes[Int(owner)].left
        let grandparent = parent[Int(owner)]
        replaceChild(of: grandparent, owner, with: sibling)
        freeNodes.append(owner)
        var ancestor = grandparent
        // Once an ancestor's box comes out unchanged, the boxes above it are unchanged too.
        var shrinking = true
        while ancestor != Self.none {
            let a = Int(ancestor)
            mass[a] -= 1
            if shrinking, let base = boxBase(a) {
                shrinking = false
                for d in 0..<dimensions {
                    let (l1, h1) = range(nodes[a].left, d, points), (l2, h2) = range(nodes[a].right, d, points)
                    let low = min(l1, l2), high = max(h1, h2)
                    if low != boxMin[base + d] || high != boxMax[base + d] { shrinking = true }
                    boxMin[base + d] = low
                    boxMax[base + d] = high
                }
            }
            ancestor = parent[a]
        }
        return true
    }

    /// The anomaly score of `point` in this tree (Guha et al.; the normalisation of the
    /// AWS library): a point isolated near the root scores high, one deep in a dense
    /// region low. Not modified by scoring.
    public func anomalyScore(_ point: UnsafeBufferPointer<Float>, points: PointValues) -> Double {
        guard let root else { return 0 }
        return score(root, depth: 0, point, points).score * log2(Double(totalMass) + 1)
    }

    /// `anomalyScore` for a tree the caller holds exclusively (an element of a mutable
    /// buffer): taking `self` in place spares the copy, and the retain and release of every
    /// array in it, that a borrowed element read through a pointer costs.
    public mutating func anomalyScoreInPlace(_ point: UnsafeBufferPointer<Float>, points: PointValues) -> Double {
        guard let root else { return 0 }
        // log2(mass + 1): the AWS library's normalisation of a tree's score.
        return score(root, depth: 0, point, points).score * log2(Double(totalMass) + 1)
    }

    /// The score below `node` at `depth`, and whether the point already lies inside a box
    /// on the way up (then no ancestor can separate it either). Recursive rather than
    /// keeping a path, so the tree is read in place and nothing is allocated.
    private func score(_ node: Int32, depth: Int, _ point: UnsafeBufferPointer<Float>,
                       _ points: PointValues) -> (score: Double, inside: Bool) {
        if Self.isLeaf(node) {
            let leaf = Self.leafIndex(node)
            for d in 0..<dimensions where points[leafPoint[leaf], d] != point[d] {
                return (1 / (Double(depth) + 1), false)
            }
            // Seen before: damped by the leaf's share of the tree, deeper for duplicates.
            let count = Double(leafMass[leaf])
            return ((1 - count / (2 * Double(totalMass))) / (Double(depth) + log2(count + 1)), true)
        }
        let n = Int(node)
        let child = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        let below = score(child, depth: depth + 1, point, points)
        if below.inside { return below }
        // In Double, as the attribution is, so that its parts add up to this score.
        let separation = separationProbability(n, point, points)
        if separation <= 0 { return (below.score, true) }
        return (separation / (Double(depth) + 1) + (1 - separation) * below.score, false)
    }

    /// Displacement (CoDisp-like) score: how many sample points `point` would push aside if
    /// it were inserted, in expectation over this tree's random cuts. At each node on its
    /// path, a cut that separates the point (probability `growth / newRange`) isolates it
    /// next to the node's whole subtree, displacing that subtree's mass; below, the same
    /// again. A point equal to a stored one displaces the rest of its leaf's parent,
    /// shared among its copies. Unlike the expected-depth score this grows with the size of
    /// the cluster an outlier stands apart from (rrcf's CoDisp scale).
    public func displacement(_ point: UnsafeBufferPointer<Float>, points: PointValues) -> Double {
        guard let root else { return 0 }
        return displace(root, point, points).value
    }

    private func displace(_ node: Int32, _ point: UnsafeBufferPointer<Float>, _ points: PointValues)
        -> (value: Double, inside: Bool, seenMass: Int32) {
        if Self.isLeaf(node) {
            let leaf = Self.leafIndex(node)
            for d in 0..<dimensions where points[leafPoint[leaf], d] != point[d] {
                return (Double(leafMass[leaf]), false, 0)
            }
            return (0, true, leafMass[leaf])
        }
        let n = Int(node)
        let child = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        let below = displace(child, point, points)
        if below.inside {
            // A seen point: its copies and it stand apart from the rest of this node.
            if below.seenMass > 0 { return (Double(mass[n] - below.seenMass) / Double(below.seenMass + 1), true, 0) }
            return below
        }
        let separation = separationProbability(n, point, points)
        if separation <= 0 { return (below.value, true, 0) }
        return (separation * Double(mass[n]) + (1 - separation) * below.value, false, 0)
    }

    /// The probability that a random cut of the box of node `n` grown to hold `point`
    /// separates the point (0 when the point lies inside the box).
    @inline(__always)
    private func separationProbability(_ n: Int, _ point: UnsafeBufferPointer<Float>, _ points: PointValues) -> Double {
        var newRange = 0.0, growth = 0.0
        let base = cachesAll ? n * dimensions : Int(boxSlot[n]) * dimensions
        if base >= 0 {
            for d in 0..<dimensions {
                let low = Double(boxMin[base + d]), high = Double(boxMax[base + d]), x = Double(point[d])
                newRange += max(high, x) - min(low, x)
                growth += max(x - high, 0) + max(low - x, 0)
            }
        } else {
            return separationProbabilityAssembling(n, point, points)
        }
        return newRange > 0 ? growth / newRange : 0
    }

    /// `separationProbability` for a node without a cached box (kept out of line, so the
    /// cached path stays small enough to inline).
    @inline(never)
    private func separationProbabilityAssembling(_ n: Int, _ point: UnsafeBufferPointer<Float>, _ points: PointValues) -> Double {
        var newRange = 0.0, growth = 0.0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * dimensions) { box in
            assembleBox(Int32(n), into: box.baseAddress!, box.baseAddress! + dimensions, points)
            for d in 0..<dimensions {
                let low = Double(box[d]), high = Double(box[dimensions + d]), x = Double(point[d])
                newRange += max(high, x) - min(low, x)
                growth += max(x - high, 0) + max(low - x, 0)
            }
        }
        return newRange > 0 ? growth / newRange : 0
    }

    /// Writes the box of `reference` to `low` and `high`: its cached box, its point, or the
    /// union of its children's boxes, in one walk for all dimensions.
    private func assembleBox(_ reference: Int32, into low: UnsafeMutablePointer<Float>, _ high: UnsafeMutablePointer<Float>,
                             _ points: PointValues) {
        if Self.isLeaf(reference) {
            let stored = leafPoint[Self.leafIndex(reference)]
            for d in 0..<dimensions {
                low[d] = points[stored, d]
                high[d] = points[stored, d]
            }
            return
        }
        let n = Int(reference)
        if let base = boxBase(n) {
            for d in 0..<dimensions {
                low[d] = boxMin[base + d]
                high[d] = boxMax[base + d]
            }
            return
        }
        assembleBox(nodes[n].left, into: low, high, points)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * dimensions) { other in
            assembleBox(nodes[n].right, into: other.baseAddress!, other.baseAddress! + dimensions, points)
            for d in 0..<dimensions {
                low[d] = min(low[d], other[d])
                high[d] = max(high[d], other[dimensions + d])
            }
        }
    }

    /// The neighbourhood of `point` in this tree: the deepest node on its path that holds
    /// at least `minimumMass` points, as that node's mass and the volume of its box grown
    /// to hold the point (a k-nearest-neighbour ball, shaped by the cuts). A range of zero
    /// counts as a thousandth of the box's mean range, so flat data keeps a volume.
    public func neighbourhood(_ point: UnsafeBufferPointer<Float>, points: PointValues,
                              minimumMass: Int) -> (mass: Int, volume: Double) {
        guard var node = root, !Self.isLeaf(node) else { return (totalMass, 0) }
        while true {
            let n = Int(node)
            let child = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
            guard !Self.isLeaf(child), mass[Int(child)] >= minimumMass else { break }
            node = child
        }
        let n = Int(node)
        var ranges = [Double](repeating: 0, count: dimensions)
        for d in 0..<dimensions {
            let x = Double(point[d])
            let (low, high) = range(node, d, points)
            ranges[d] = max(Double(high), x) - min(Double(low), x)
        }
        let floor = max(ranges.reduce(0, +) / Double(dimensions) * 1e-3, .leastNormalMagnitude)
        return (Int(mass[n]), ranges.reduce(1.0) { $0 * max($1, floor) })
    }

    /// The score split by dimension and direction (`high`: the point lies above the data
    /// in that dimension, `low`: below); the 2 × dimensions parts sum to `anomalyScore`.
    /// A point already in the tree spreads its score evenly (no direction to tell).
    public func attribution(_ point: UnsafeBufferPointer<Float>, points: PointValues, into high: inout [Double], _ low: inout [Double]) {
        guard let root else { return }
        var partsHigh = [Double](repeating: 0, count: dimensions), partsLow = partsHigh
        _ = attribute(root, depth: 0, point, points, &partsHigh, &partsLow)
        let normalizer = log2(Double(totalMass) + 1)
        for d in 0..<dimensions {
            high[d] += partsHigh[d] * normalizer
            low[d] += partsLow[d] * normalizer
        }
    }

    /// Fills the attribution below `node`; true once the point lies inside a box.
    private func attribute(_ node: Int32, depth: Int, _ point: UnsafeBufferPointer<Float>, _ points: PointValues,
                           _ high: inout [Double], _ low: inout [Double]) -> Bool {
        if Self.isLeaf(node) {
            let leaf = Self.leafIndex(node)
            var gapSum = 0.0
            for d in 0..<dimensions {
                let y = Double(points[leafPoint[leaf], d]), x = Double(point[d])
                high[d] = max(x - y, 0)
                low[d] = max(y - x, 0)
                gapSum += high[d] + low[d]
            }
            if gapSum == 0 {
                let count = Double(leafMass[leaf])
                let score = (1 - count / (2 * Double(totalMass))) / (Double(depth) + log2(count + 1))
                for d in 0..<dimensions {
                    high[d] = score / Double(2 * dimensions)
                    low[d] = score / Double(2 * dimensions)
                }
                return true
            }
            let score = 1 / (Double(depth) + 1)
            for d in 0..<dimensions {
                high[d] *= score / gapSum
                low[d] *= score / gapSum
            }
            return false
        }
        let n = Int(node)
        let child = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        if attribute(child, depth: depth + 1, point, points, &high, &low) { return true }
        var newRange = 0.0, growth = 0.0
        for d in 0..<dimensions {
            let (lowBound, highBound) = range(Int32(n), d, points)
            let lowEdge = Double(lowBound), highEdge = Double(highBound), x = Double(point[d])
            newRange += max(highEdge, x) - min(lowEdge, x)
            growth += max(x - highEdge, 0) + max(lowEdge - x, 0)
        }
        guard newRange > 0, growth > 0 else { return true }
        let separation = growth / newRange
        let contribution = 1 / (Double(depth) + 1)
        for d in 0..<dimensions {
            let x = Double(point[d])
            let (lowBound, highBound) = range(Int32(n), d, points)
            high[d] = max(x - Double(highBound), 0) / newRange * contribution + (1 - separation) * high[d]
            low[d] = max(Double(lowBound) - x, 0) / newRange * contribution + (1 - separation) * low[d]
        }
        return false
    }

    /// For a point with missing coordinates (`missing[d]` true), the stored point that best
    /// completes it: at cuts on a missing coordinate both sides are searched, and the
    /// completion (the point with the candidate's values filled in) with the lowest
    /// anomaly score in this tree wins. Returns the candidate's index in the point store.
    public func impute(_ point: UnsafeBufferPointer<Float>, missing: [Bool], points: PointValues) -> Int32? {
        guard let root else { return nil }
        return complete(root, depth: 0, point, missing, points).candidate
    }

    /// The best completion below `node`: its candidate leaf point, and the score of the
    /// completed point computed as `score` does (with whether it lay inside a box).
    private func complete(_ node: Int32, depth: Int, _ point: UnsafeBufferPointer<Float>, _ missing: [Bool],
                          _ points: PointValues) -> (candidate: Int32, score: Double, inside: Bool) {
        if Self.isLeaf(node) {
            let leaf = Self.leafIndex(node)
            let candidate = leafPoint[leaf]
            for d in 0..<dimensions where !missing[d] && points[candidate, d] != point[d] {
                return (candidate, 1 / (Double(depth) + 1), false)
            }
            let count = Double(leafMass[leaf])
            return (candidate, (1 - count / (2 * Double(totalMass))) / (Double(depth) + log2(count + 1)), true)
        }
        let n = Int(node)
        let dimension = Int(nodes[n].cutDimension)
        var best: (candidate: Int32, score: Double, inside: Bool)
        if missing[dimension] {
            let a = complete(nodes[n].left, depth: depth + 1, point, missing, points)
            let b = complete(nodes[n].right, depth: depth + 1, point, missing, points)
            best = mixed(a, node: n, depth: depth, point, missing, points).score <= mixed(b, node: n, depth: depth, point, missing, points).score ? a : b
        } else {
            best = complete(point[dimension] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right, depth: depth + 1, point, missing, points)
        }
        return mixed(best, node: n, depth: depth, point, missing, points)
    }

    /// Folds node `n` into a completion's score, as `score` folds an ancestor.
    private func mixed(_ below: (candidate: Int32, score: Double, inside: Bool), node n: Int, depth: Int,
                       _ point: UnsafeBufferPointer<Float>, _ missing: [Bool], _ points: PointValues)
        -> (candidate: Int32, score: Double, inside: Bool) {
        if below.inside { return below }
        var newRange = 0.0, growth = 0.0
        for d in 0..<dimensions {
            let (lowBound, highBound) = range(Int32(n), d, points)
            let low = Double(lowBound), high = Double(highBound)
            let x = missing[d] ? Double(points[below.candidate, d]) : Double(point[d])
            newRange += max(high, x) - min(low, x)
            growth += max(x - high, 0) + max(low - x, 0)
        }
        let separation = newRange > 0 ? growth / newRange : 0
        if separation <= 0 { return (below.candidate, below.score, true) }
        return (below.candidate, separation / (Double(depth) + 1) + (1 - separation) * below.score, false)
    }

    /// The stored point in the leaf `point` falls into: its candidate nearest neighbour in
    /// this tree.
    public func leafPoint(for point: UnsafeBufferPointer<Float>) -> Int32? {
        guard var node = root else { return nil }
        while !Self.isLeaf(node) {
            let n = Int(node)
            node = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        }
        return leafPoint[Self.leafIndex(node)]
    }

    /// Bytes held by this tree's node arrays (their element counts, not reserved room).
    public var memoryBytes: Int {
        nodes.count * MemoryLayout<Node>.stride + parent.count * 4 + mass.count * 4
            + (boxMin.count + boxMax.count) * 4 + boxSlot.count * 4 + freeNodes.count * 4
            + leafPoint.count * 4 + leafMass.count * 4 + leafParent.count * 4 + freeLeaves.count * 4
    }

    /// Checks the structure (for tests): masses add up, boxes are the union of their
    /// children's, parent links agree, and every point lies on its side of every cut.
    public func validate(points: PointValues) -> String? {
        guard let root else { return totalMass == 0 ? nil : "empty tree with mass \(totalMass)" }
        if massOf(root) != totalMass { return "root mass \(massOf(root)) != total \(totalMass)" }
        var stack: [Int32] = [root]
        while let node = stack.popLast() {
            guard !Self.isLeaf(node) else { continue }
            let n = Int(node)
            for child in [nodes[n].left, nodes[n].right] {
                if parentOf(child) != node { return "child \(child) of \(node) names \(parentOf(child)) as parent" }
                stack.append(child)
            }
            if mass[n] != massOf(nodes[n].left) + massOf(nodes[n].right) { return "node \(n) mass \(mass[n]) != children's" }
            for d in 0..<dimensions {
                guard let base = boxBase(n) else { break }
                let (l1, h1) = range(nodes[n].left, d, points), (l2, h2) = range(nodes[n].right, d, points)
                if boxMin[base + d] != min(l1, l2) || boxMax[base + d] != max(h1, h2) {
                    return "node \(n) box in dimension \(d) is not its children's union"
                }
            }
            let (_, leftHigh) = range(nodes[n].left, Int(nodes[n].cutDimension), points)
            let (rightLow, _) = range(nodes[n].right, Int(nodes[n].cutDimension), points)
            if leftHigh > nodes[n].cutValue || rightLow <= nodes[n].cutValue { return "node \(n) cut \(nodes[n].cutValue) does not separate its children" }
        }
        return nil
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(UInt32(dimensions))
        writer.write(array: random.stateWords)
        writer.write(array: nodes.map(\.cutDimension))
        writer.write(floats: nodes.map(\.cutValue))
        writer.write(array: nodes.map(\.left))
        writer.write(array: nodes.map(\.right))
        writer.write(array: parent)
        writer.write(array: mass)
        writer.write(floats: boxMin)
        writer.write(floats: boxMax)
        writer.write(cacheFraction)
        writer.write(array: boxSlot)
        writer.write(array: freeNodes)
        writer.write(array: leafPoint)
        writer.write(array: leafMass)
        writer.write(array: leafParent)
        writer.write(array: freeLeaves)
        writer.write(root ?? Self.none)
        writer.write(Int64(totalMass))
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        dimensions = Int(try reader.read(UInt32.self))
        let words: [UInt64] = try reader.readArray()
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { throw reader.error("invalid tree random state") }
        random = RandomSource(stateWords: words)
        let cutDimension: [Int32] = try reader.readArray()
        let cutValue = try reader.readFloats()
        let left: [Int32] = try reader.readArray()
        let right: [Int32] = try reader.readArray()
        parent = try reader.readArray()
        mass = try reader.readArray()
        boxMin = try reader.readFloats()
        boxMax = try reader.readFloats()
        cacheFraction = try reader.readDouble()
        cachesAll = cacheFraction >= 1
        boxSlot = try reader.readArray()
        freeNodes = try reader.readArray()
        leafPoint = try reader.readArray()
        leafMass = try reader.readArray()
        leafParent = try reader.readArray()
        freeLeaves = try reader.readArray()
        let storedRoot: Int32 = try reader.read()
        root = storedRoot == Self.none ? nil : storedRoot
        totalMass = Int(try reader.read(Int64.self))
        let count = cutDimension.count
        guard dimensions > 0, [cutValue.count, left.count, right.count, parent.count, mass.count].allSatisfy({ $0 == count }),
              cacheFraction >= 0 && cacheFraction <= 1, boxMin.count == boxMax.count, boxMin.count % dimensions == 0,
              cacheFraction < 1 ? boxSlot.count == count && boxSlot.allSatisfy({ $0 < boxMin.count / dimensions })
                                : boxSlot.isEmpty && boxMin.count == count * dimensions,
              leafMass.count == leafPoint.count, leafParent.count == leafPoint.count else {
            throw reader.error("inconsistent tree arrays")
        }
        nodes = (0..<count).map { Node(cutDimension: cutDimension[$0], cutValue: cutValue[$0], left: left[$0], right: right[$0]) }
    }
}

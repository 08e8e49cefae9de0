#if canImport(Glibc)
import Glibc
#endif
/// Scores: the expected-depth anomaly score (the AWS library's normalisation) and the
/// displacement score. Neither changes the tree.
extension TreeStorage {
    /// Descends to the leaf `point` falls into, writing the internal nodes passed to `path`
    /// (room for `nodeCount` of them); returns the leaf and the number of nodes passed.
    /// The tree must not be empty.
    @inline(__always)
    func descend(_ point: UnsafePointer<Float>, path: UnsafeMutablePointer<Int32>) -> (leaf: Int32, depth: Int) {
        let nodes = self.nodes
        var node = root
        var depth = 0
        while node >= 0 {
            path[depth] = node
            depth &+= 1
            let cut = nodes[Int(node)]
            node = point[Int(cut.cutDimension)] <= cut.cutValue ? cut.left : cut.right
        }
        return (node, depth)
    }

    /// The anomaly score of `point` in this tree (Guha et al.): a point isolated near the
    /// root scores high, one deep in a dense region low.
    func anomalyScore(_ point: UnsafePointer<Float>, points: PointValues) -> Double {
        guard root != Self.none else { return 0 }
        return withWidened(point) { wide in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: nodeCount + 1) { path in
                let (leaf, depth) = descend(point, path: path.baseAddress!)
                return foldedScore(leaf: leaf, seen: leafHolds(leaf, point, points), path: path.baseAddress!, depth: depth,
                                   point, wide, points)
            }
        }
    }

    /// Runs `body` with `point` in Double, the form the box arithmetic reads.
    func withWidened<R>(_ point: UnsafePointer<Float>, _ body: (UnsafePointer<Double>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: dimensions) { wide in
            for d in 0..<dimensions { wide[d] = Double(point[d]) }
            return body(UnsafePointer(wide.baseAddress!))
        }
    }

    /// Whether leaf `leaf` holds `point` itself.
    @inline(__always)
    func leafHolds(_ leaf: Int32, _ point: UnsafePointer<Float>, _ points: PointValues) -> Bool {
        let stored = points.start(of: leafPoint[Self.leafIndex(leaf)])
        for d in 0..<dimensions where stored[d] != point[d] { return false }
        return true
    }

    /// The score of a descent that ended at `leaf` after the internal nodes
    /// `path[0..<depth]`, folded from the leaf up, times the normaliser; `seen` tells whether
    /// the leaf holds the point, given as `narrow` in Float and `point` in Double.
    /// A point equal to the leaf's is damped by the leaf's share of the tree (deeper for
    /// duplicates); else each node on the way up mixes in the chance that a random cut of
    /// its box, grown to hold the point, separates the point there, until a box already
    /// holds the point (then no ancestor's cut can separate it either).
    @inline(__always)
    func foldedScore(leaf: Int32, seen: Bool, path: UnsafePointer<Int32>, depth: Int, _ narrow: UnsafePointer<Float>,
                     _ point: UnsafePointer<Double>, _ points: PointValues) -> Double {
        var result: Double
        if seen {
            let count = Double(leafMass[Self.leafIndex(leaf)])
            result = (1 - count / (2 * Double(totalMass))) / (Double(depth) + log2(count + 1))
        } else if !cachesAll {
            return foldedScoreAssemblingBoxes(leaf: leaf, path: path, depth: depth, narrow, point, points)
        } else {
            result = 1 / (Double(depth) + 1)
            var level = depth - 1
            while level >= 0 {
                let n = Int(path[level])
                let (newRange, growth): (Double, Double)
                if let base = boxBase(n) {
                    // Inside the box (most often the last level visited): no growth, and a
                    // comparison in Float tells it without the Double sums.
                    if !Self.lies(outside: boxes + base, boxes + base + dimensions, narrow, dimensions: dimensions) { break }
                    (newRange, growth) = grownRange(low: boxes + base, high: boxes + base + dimensions, point)
                } else {
                    (newRange, growth) = assembledGrownRange(n, point, points)
                }
                // Tested before dividing, so the loop's exit does not wait for the division.
                if growth <= 0 { break }
                let separation = growth / newRange
                result = separation / (Double(level) + 1) + (1 - separation) * result
                level -= 1
            }
        }
        return result * normalizer
    }

    /// `foldedScore` for a point not in its leaf when some nodes keep no box: the box of
    /// each node on the way up is its cached one, or else the union of the box just used
    /// below it (kept in a running buffer) and its other child's, so a missing box costs
    /// one sibling's box rather than its whole subtree's.
    @inline(never)
    private func foldedScoreAssemblingBoxes(leaf: Int32, path: UnsafePointer<Int32>, depth: Int, _ narrow: UnsafePointer<Float>,
                                            _ point: UnsafePointer<Double>, _ points: PointValues) -> Double {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * dimensions) { buffer in
            let running = buffer.baseAddress!, sibling = running + 2 * dimensions
            // The box below the current level: the leaf's point to begin with.
            let stored = points.start(of: leafPoint[Self.leafIndex(leaf)])
            running.update(from: stored, count: dimensions)
            (running + dimensions).update(from: stored, count: dimensions)
            var result = 1 / (Double(depth) + 1)
            var below = leaf
            var level = depth - 1
            while level >= 0 {
                let node = path[level], n = Int(node)
                if let base = boxBase(n) {
                    running.update(from: boxes + base, count: 2 * dimensions)
                } else {
                    let other = nodes[n].left == below ? nodes[n].right : nodes[n].left
                    assembleBox(other, into: sibling, sibling + dimensions, points)
                    for d in 0..<dimensions {
                        running[d] = min(running[d], sibling[d])
                        running[dimensions + d] = max(running[dimensions + d], sibling[dimensions + d])
                    }
                }
                if !Self.lies(outside: running, running + dimensions, narrow, dimensions: dimensions) { break }
                let (newRange, growth) = grownRange(low: running, high: running + dimensions, point)
                if growth <= 0 { break }
                let separation = growth / newRange
                result = separation / (Double(level) + 1) + (1 - separation) * result
                below = node
                level -= 1
            }
            return result * normalizer
        }
    }

    /// The probability that a random cut of the box of node `n` grown to hold `point`
    /// separates the point (0 when the point lies inside the box).
    @inline(__always)
    func separationProbability(_ n: Int, _ point: UnsafePointer<Double>, _ points: PointValues) -> Double {
        let (newRange, growth) = boxBase(n).map { grownRange(low: boxes + $0, high: boxes + $0 + dimensions, point) }
            ?? assembledGrownRange(n, point, points)
        return growth > 0 ? growth / newRange : 0
    }

    /// For a box and a point, the sums over dimensions of the box's range once grown to hold
    /// the point, and of the growth itself, in Double, as the attribution sums the same
    /// parts (so that its parts add up to the score). Two dimensions at a time; `x` is the
    /// point in Double (converted once per query, not once per node).
    @inline(__always)
    func grownRange(low: UnsafePointer<Float>, high: UnsafePointer<Float>, _ x: UnsafePointer<Double>)
        -> (newRange: Double, growth: Double) {
        // (v + |v|) is twice max(v, 0), exactly: the doubled sum is halved once at the end.
        var spans = SIMD2<Double>(), doubledOutside = SIMD2<Double>()
        var d = 0
        while d &+ 2 <= dimensions {
            let lowEdge = SIMD2<Double>(UnsafeRawPointer(low + d).loadUnaligned(as: SIMD2<Float>.self))
            let highEdge = SIMD2<Double>(UnsafeRawPointer(high + d).loadUnaligned(as: SIMD2<Float>.self))
            let value = UnsafeRawPointer(x + d).loadUnaligned(as: SIMD2<Double>.self)
            let above = value - highEdge, below = lowEdge - value
            doubledOutside += (above + Self.magnitude(above)) + (below + Self.magnitude(below))
            spans += highEdge - lowEdge
            d &+= 2
        }
        var growth = doubledOutside.sum() * 0.5, newRange = spans.sum()
        if d < dimensions {
            let lowEdge = Double(low[d]), highEdge = Double(high[d])
            growth += max(x[d] - highEdge, 0) + max(lowEdge - x[d], 0)
            newRange += highEdge - lowEdge
        }
        return (newRange + growth, growth)
    }

    /// Lane-wise absolute value (clears the sign bits).
    @inline(__always)
    static func magnitude(_ v: SIMD2<Double>) -> SIMD2<Double> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD2<UInt64>.self) & SIMD2<UInt64>(repeating: 0x7FFF_FFFF_FFFF_FFFF), to: SIMD2<Double>.self)
    }

    /// `grownRange` for a node without a cached box (out of line, so the cached path stays
    /// small enough to inline).
    @inline(never)
    func assembledGrownRange(_ n: Int, _ point: UnsafePointer<Double>, _ points: PointValues) -> (newRange: Double, growth: Double) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * dimensions) { box in
            assembleBox(Int32(n), into: box.baseAddress!, box.baseAddress! + dimensions, points)
            return grownRange(low: box.baseAddress!, high: box.baseAddress! + dimensions, point)
        }
    }

    /// Displacement (CoDisp-like) score: how many sample points `point` would push aside if
    /// it were inserted, in expectation over this tree's random cuts. At each node on its
    /// path, a cut that separates the point (probability `growth / newRange`) isolates it
    /// next to the node's whole subtree, displacing that subtree's mass; below, the same
    /// again. A point equal to a stored one displaces the rest of its leaf's parent,
    /// shared among its copies. Unlike the expected-depth score this grows with the size of
    /// the cluster an outlier stands apart from (rrcf's CoDisp scale).
    func displacement(_ point: UnsafePointer<Float>, points: PointValues) -> Double {
        guard root != Self.none else { return 0 }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: nodeCount + 1) { buffer in
            let path = buffer.baseAddress!
            let (leaf, depth) = descend(point, path: path)
            let index = Self.leafIndex(leaf)
            if leafHolds(leaf, point, points) {
                // A seen point: its copies and it stand apart from the rest of its parent.
                guard depth > 0 else { return 0 }
                let copies = leafMass[index]
                return Double(mass[Int(path[depth - 1])] - copies) / Double(copies + 1)
            }
            return withWidened(point) { wide in
                var value = Double(leafMass[index])
                var level = depth - 1
                while level >= 0 {
                    let n = Int(path[level])
                    let separation = separationProbability(n, wide, points)
                    if separation <= 0 { break }
                    value = separation * Double(mass[n]) + (1 - separation) * value
                    level -= 1
                }
                return value
            }
        }
    }
}

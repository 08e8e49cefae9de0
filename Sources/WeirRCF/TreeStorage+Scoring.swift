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
        var node = root
        var depth = 0
        while !Self.isLeaf(node) {
            path[depth] = node
            depth += 1
            let cut = nodes[Int(node)]
            node = point[Int(cut.cutDimension)] <= cut.cutValue ? cut.left : cut.right
        }
        return (node, depth)
    }

    /// The anomaly score of `point` in this tree (Guha et al.): a point isolated near the
    /// root scores high, one deep in a dense region low.
    func anomalyScore(_ point: UnsafePointer<Float>, points: PointValues) -> Double {
        guard root != Self.none else { return 0 }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: nodeCount + 1) { path in
            let (leaf, depth) = descend(point, path: path.baseAddress!)
            return foldedScore(leaf: leaf, path: path.baseAddress!, depth: depth, point, points)
        }
    }

    /// The score of a descent that ended at `leaf` after the internal nodes
    /// `path[0..<depth]`, folded from the leaf up, times the normaliser. A point equal to
    /// the leaf's is damped by the leaf's share of the tree (deeper for duplicates); else
    /// each node on the way up mixes in the chance that a random cut of its box, grown to
    /// hold the point, separates the point there, until a box already holds the point
    /// (then no ancestor's cut can separate it either).
    @inline(__always)
    func foldedScore(leaf: Int32, path: UnsafePointer<Int32>, depth: Int, _ point: UnsafePointer<Float>,
                     _ points: PointValues) -> Double {
        let index = Self.leafIndex(leaf)
        let stored = points.start(of: leafPoint[index])
        var seen = true
        for d in 0..<dimensions where stored[d] != point[d] {
            seen = false
            break
        }
        var result: Double
        if seen {
            let count = Double(leafMass[index])
            result = (1 - count / (2 * Double(totalMass))) / (Double(depth) + log2(count + 1))
        } else {
            result = 1 / (Double(depth) + 1)
            var level = depth - 1
            while level >= 0 {
                // In Double, as the attribution is, so that its parts add up to this score.
                let separation = separationProbability(Int(path[level]), point, points)
                if separation <= 0 { break }
                result = separation / (Double(level) + 1) + (1 - separation) * result
                level -= 1
            }
        }
        return result * normalizer
    }

    /// The probability that a random cut of the box of node `n` grown to hold `point`
    /// separates the point (0 when the point lies inside the box).
    @inline(__always)
    func separationProbability(_ n: Int, _ point: UnsafePointer<Float>, _ points: PointValues) -> Double {
        guard let base = boxBase(n) else { return separationProbabilityAssembling(n, point, points) }
        let (newRange, growth) = grownRange(low: boxes + base, high: boxes + base + dimensions, point)
        return growth > 0 ? growth / newRange : 0
    }

    /// For a box and a point, the sum over dimensions of the box's range once grown to hold
    /// the point, and of the growth itself. In Double, as the attribution is, so that its
    /// parts add up to the score; four dimensions at a time.
    @inline(__always)
    func grownRange(low: UnsafePointer<Float>, high: UnsafePointer<Float>, _ point: UnsafePointer<Float>)
        -> (newRange: Double, growth: Double) {
        var ranges = SIMD4<Double>(), growths = SIMD4<Double>()
        var d = 0
        while d + 4 <= dimensions {
            let lowEdge = SIMD4<Double>(UnsafeRawPointer(low + d).loadUnaligned(as: SIMD4<Float>.self))
            let highEdge = SIMD4<Double>(UnsafeRawPointer(high + d).loadUnaligned(as: SIMD4<Float>.self))
            let x = SIMD4<Double>(UnsafeRawPointer(point + d).loadUnaligned(as: SIMD4<Float>.self))
            let above = x - highEdge, below = lowEdge - x
            // Per lane: the range grown to hold x, and how far x lies outside.
            ranges += highEdge.replacing(with: x, where: above .> 0) - lowEdge.replacing(with: x, where: below .> 0)
            growths += above.replacing(with: 0, where: above .< 0) + below.replacing(with: 0, where: below .< 0)
            d += 4
        }
        var newRange = ranges.sum(), growth = growths.sum()
        while d < dimensions {
            let lowEdge = Double(low[d]), highEdge = Double(high[d]), x = Double(point[d])
            newRange += max(highEdge, x) - min(lowEdge, x)
            growth += max(x - highEdge, 0) + max(lowEdge - x, 0)
            d += 1
        }
        return (newRange, growth)
    }

    /// `separationProbability` for a node without a cached box (out of line, so the cached
    /// path stays small enough to inline).
    @inline(never)
    private func separationProbabilityAssembling(_ n: Int, _ point: UnsafePointer<Float>, _ points: PointValues) -> Double {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * dimensions) { box in
            assembleBox(Int32(n), into: box.baseAddress!, box.baseAddress! + dimensions, points)
            let (newRange, growth) = grownRange(low: box.baseAddress!, high: box.baseAddress! + dimensions, point)
            return growth > 0 ? growth / newRange : 0
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
            let stored = points.start(of: leafPoint[index])
            var seen = true
            for d in 0..<dimensions where stored[d] != point[d] {
                seen = false
                break
            }
            if seen {
                // A seen point: its copies and it stand apart from the rest of its parent.
                guard depth > 0 else { return 0 }
                let copies = leafMass[index]
                return Double(mass[Int(path[depth - 1])] - copies) / Double(copies + 1)
            }
            var value = Double(leafMass[index])
            var level = depth - 1
            while level >= 0 {
                let n = Int(path[level])
                let separation = separationProbability(n, point, points)
                if separation <= 0 { break }
                value = separation * Double(mass[n]) + (1 - separation) * value
                level -= 1
            }
            return value
        }
    }
}

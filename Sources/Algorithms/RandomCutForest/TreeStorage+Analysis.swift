#if canImport(Glibc)
import Glibc
#endif
/// Analyses of one tree: neighbourhoods (density), attribution, imputation, the leaf a
/// point reaches, and a structural check for tests.
extension TreeStorage {
    func neighbourhood(_ point: UnsafePointer<Float>, points: PointValues,
                              minimumMass: Int) -> (mass: Int, volume: Double) {
        guard root != Self.none, !Self.isLeaf(root) else { return (totalMass, 0) }
        var node = root
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
    func attribution(_ point: UnsafePointer<Float>, points: PointValues, into high: inout [Double], _ low: inout [Double]) {
        guard root != Self.none else { return }
        var partsHigh = [Double](repeating: 0, count: dimensions), partsLow = partsHigh
        _ = attribute(root, depth: 0, point, points, &partsHigh, &partsLow)
        let normalizer = log2(Double(totalMass) + 1)
        for d in 0..<dimensions {
            high[d] += partsHigh[d] * normalizer
            low[d] += partsLow[d] * normalizer
        }
    }

    /// Fills the attribution below `node`; true once the point lies inside a box.
    private func attribute(_ node: Int32, depth: Int, _ point: UnsafePointer<Float>, _ points: PointValues,
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
    func impute(_ point: UnsafePointer<Float>, missing: [Bool], points: PointValues) -> Int32? {
        guard root != Self.none else { return nil }
        return complete(root, depth: 0, point, missing, points).candidate
    }

    /// The best completion below `node`: its candidate leaf point, and the score of the
    /// completed point computed as `score` does (with whether it lay inside a box).
    private func complete(_ node: Int32, depth: Int, _ point: UnsafePointer<Float>, _ missing: [Bool],
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
                       _ point: UnsafePointer<Float>, _ missing: [Bool], _ points: PointValues)
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
    func leafPoint(for point: UnsafePointer<Float>) -> Int32? {
        guard root != Self.none else { return nil }
        var node = root
        while !Self.isLeaf(node) {
            let n = Int(node)
            node = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        }
        return leafPoint[Self.leafIndex(node)]
    }

    func validate(points: PointValues) -> String? {
        guard root != Self.none else { return totalMass == 0 ? nil : "empty tree with mass \(totalMass)" }
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
                if boxes[base + d] != min(l1, l2) || boxes[base + dimensions + d] != max(h1, h2) {
                    return "node \(n) box in dimension \(d) is not its children's union"
                }
            }
            let (_, leftHigh) = range(nodes[n].left, Int(nodes[n].cutDimension), points)
            let (rightLow, _) = range(nodes[n].right, Int(nodes[n].cutDimension), points)
            if leftHigh > nodes[n].cutValue || rightLow <= nodes[n].cutValue { return "node \(n) cut \(nodes[n].cutValue) does not separate its children" }
        }
        return nil
    }
}

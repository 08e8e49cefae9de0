/// Insertion and deletion (Guha et al. 2016): a new point becomes a sibling wherever a
/// random cut of the merged box would separate it, so the tree is distributed as if built
/// on the current sample; deleting a leaf splices its parent out.
extension TreeStorage {
    /// Inserts point `index` of the store; returns the point the tree now references for
    /// it (an equal point already in the tree, whose leaf mass grew, or `index` itself).
    func insert(_ index: Int32, points: PointValues) -> Int32 {
        totalMass += 1
        guard root != Self.none else {
            root = newLeaf(point: index, parent: Self.none)
            return index
        }
        let point = points.start(of: index)
        let low = scratch, high = scratch + dimensions
        // The internal nodes passed, so the walk back up reads them without chasing parents.
        let path = pathScratch
        var depth = 0
        var node = root
        while true {
            // The box of `node`: its point, its cached box, or assembled from its children.
            let (lower, upper) = boxOf(node, points, into: low)
            if !Self.lies(outside: lower, upper, point, dimensions: dimensions) {
                if Self.isLeaf(node) {
                    // The same point again: the leaf counts it twice.
                    let leaf = Self.leafIndex(node)
                    leafMass[leaf] += 1
                    for level in 0..<depth { mass[Int(path[level])] += 1 }
                    return leafPoint[leaf]
                }
                // Inside the box no cut of it can separate the point: follow the existing
                // cut without drawing one (the same distribution, less work).
                let n = Int(node)
                path[depth] = node
                depth &+= 1
                node = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
                continue
            }
            // A dimension with probability proportional to its range in the merged box, and
            // a cut uniform in that range, kept inside [lower, upper) so both sides hold a point.
            var rangeSums = 0.0
            for d in 0..<dimensions { rangeSums += Double(max(upper[d], point[d]) - min(lower[d], point[d])) }
            var target = uniform() * rangeSums
            var dimension = -1
            var cut: Float = 0
            for d in 0..<dimensions {
                let from = min(lower[d], point[d]), to = max(upper[d], point[d])
                let width = Double(to - from)
                guard width > 0 else { continue }
                dimension = d
                cut = min(from + Float(target), to.nextDown)
                if target < width { break }
                target -= width
            }
            let x = point[dimension]
            // A leaf's box is its point, so a cut of the merged box always separates a
            // different point from it.
            let separates = (x <= cut && cut < lower[dimension]) || (upper[dimension] <= cut && cut < x)
            if !separates {
                let n = Int(node)
                path[depth] = node
                depth &+= 1
                node = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
                continue
            }
            // A new internal node above `node`, with the point as a new leaf beside it. The
            // box and the path are read again after `newNode`, which may move the buffers.
            let owner = depth > 0 ? path[depth - 1] : Self.none
            let split = newNode()
            let leaf = newLeaf(point: index, parent: split)
            nodes[Int(split)] = Node(cutDimension: Int32(dimension), cutValue: cut,
                                     left: x <= cut ? leaf : node, right: x <= cut ? node : leaf)
            mass[Int(split)] = massOf(node) + 1
            if let base = boxBase(Int(split)) {
                assembleBox(node, into: low, high, points)
                for d in 0..<dimensions {
                    boxes[base + d] = min(low[d], point[d])
                    boxes[base + dimensions + d] = max(high[d], point[d])
                }
            }
            replaceChild(of: owner, node, with: split)
            setParent(of: node, to: split)
            // Once a cached ancestor's box already holds the point, so do all above it.
            var growing = true
            var level = depth - 1
            let ancestors = pathScratch  // `newNode` may have moved the path (keeping it).
            while level >= 0 {
                let a = Int(ancestors[level])
                level -= 1
                mass[a] += 1
                if growing, let base = boxBase(a) {
                    growing = false
                    for d in 0..<dimensions {
                        if point[d] < boxes[base + d] { boxes[base + d] = point[d]; growing = true }
                        if point[d] > boxes[base + dimensions + d] { boxes[base + dimensions + d] = point[d]; growing = true }
                    }
                }
            }
            return index
        }
    }

    /// Where the box of `reference` can be read: its point for a leaf, its cached box, or
    /// its box assembled into `room` (2 × dimensions values).
    @inline(__always)
    func boxOf(_ reference: Int32, _ points: PointValues, into room: UnsafeMutablePointer<Float>)
        -> (low: UnsafePointer<Float>, high: UnsafePointer<Float>) {
        if Self.isLeaf(reference) {
            let stored = points.start(of: leafPoint[Self.leafIndex(reference)])
            return (stored, stored)
        }
        if let base = boxBase(Int(reference)) { return (UnsafePointer(boxes + base), UnsafePointer(boxes + base + dimensions)) }
        assembleBox(reference, into: room, room + dimensions, points)
        return (UnsafePointer(room), UnsafePointer(room + dimensions))
    }

    /// Whether `point` lies outside the box [lower, upper] in some dimension (four
    /// dimensions per comparison); exactly when the box arithmetic finds growth.
    @inline(__always)
    static func lies(outside lower: UnsafePointer<Float>, _ upper: UnsafePointer<Float>, _ point: UnsafePointer<Float>,
                     dimensions: Int) -> Bool {
        var d = 0
        while d &+ 4 <= dimensions {
            let x = UnsafeRawPointer(point + d).loadUnaligned(as: SIMD4<Float>.self)
            let low = UnsafeRawPointer(lower + d).loadUnaligned(as: SIMD4<Float>.self)
            let high = UnsafeRawPointer(upper + d).loadUnaligned(as: SIMD4<Float>.self)
            if any((x .< low) .| (x .> high)) { return true }
            d &+= 4
        }
        while d < dimensions {
            if point[d] < lower[d] || point[d] > upper[d] { return true }
            d &+= 1
        }
        return false
    }

    /// Removes one occurrence of point `index` (by its coordinates); false if absent.
    func delete(_ index: Int32, points: PointValues) -> Bool {
        guard root != Self.none else { return false }
        let point = points.start(of: index)
        let path = pathScratch
        var depth = 0
        var node = root
        while !Self.isLeaf(node) {
            let n = Int(node)
            path[depth] = node
            depth &+= 1
            node = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        }
        let leaf = Self.leafIndex(node)
        let stored = points.start(of: leafPoint[leaf])
        for d in 0..<dimensions where stored[d] != point[d] { return false }
        totalMass -= 1
        if leafMass[leaf] > 1 {
            leafMass[leaf] -= 1
            for level in 0..<depth { mass[Int(path[level])] -= 1 }
            return true
        }
        let owner = depth > 0 ? path[depth - 1] : Self.none
        freeLeaf(leaf)
        guard owner != Self.none else {
            root = Self.none
            return true
        }
        let sibling = nodes[Int(owner)].left == node ? nodes[Int(owner)].right : nodes[Int(owner)].left
        let grandparent = depth > 1 ? path[depth - 2] : Self.none
        replaceChild(of: grandparent, owner, with: sibling)
        freeNode(owner)
        // Once an ancestor's box comes out unchanged, the boxes above it are unchanged too.
        var shrinking = true
        var level = depth - 2
        while level >= 0 {
            let a = Int(path[level])
            level -= 1
            mass[a] -= 1
            if shrinking, let base = boxBase(a) {
                // The union of the children's boxes, each read once for all dimensions.
                shrinking = false
                let (leftLow, leftHigh) = boxOf(nodes[a].left, points, into: scratch)
                let (rightLow, rightHigh) = boxOf(nodes[a].right, points, into: scratch + 2 * dimensions)
                let box = boxes + base
                for d in 0..<dimensions {
                    let low = min(leftLow[d], rightLow[d]), high = max(leftHigh[d], rightHigh[d])
                    if low != box[d] || high != box[dimensions + d] { shrinking = true }
                    box[d] = low
                    box[dimensions + d] = high
                }
            }
        }
        return true
    }
}

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
        var node = root
        while true {
            // The box of `node`: its cached box, its point, or assembled from its children.
            var lower: UnsafePointer<Float>, upper: UnsafePointer<Float>
            if Self.isLeaf(node) {
                lower = points.start(of: leafPoint[Self.leafIndex(node)])
                upper = lower
            } else if let base = boxBase(Int(node)) {
                lower = UnsafePointer(boxes + base)
                upper = UnsafePointer(boxes + base + dimensions)
            } else {
                assembleBox(node, into: low, high, points)
                lower = UnsafePointer(low)
                upper = UnsafePointer(high)
            }
            var outside = false
            for d in 0..<dimensions where point[d] < lower[d] || point[d] > upper[d] {
                outside = true
                break
            }
            if !outside {
                if Self.isLeaf(node) {
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
                // Inside the box no cut of it can separate the point: follow the existing
                // cut without drawing one (the same distribution, less work).
                let n = Int(node)
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
                node = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
                continue
            }
            // A new internal node above `node`, with the point as a new leaf beside it. The
            // box is read again after `newNode`, which may move the buffers.
            let owner = parentOf(node)
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
            var ancestor = owner
            // Once a cached ancestor's box already holds the point, so do all above it.
            var growing = true
            while ancestor != Self.none {
                let a = Int(ancestor)
                mass[a] += 1
                if growing, let base = boxBase(a) {
                    growing = false
                    for d in 0..<dimensions {
                        if point[d] < boxes[base + d] { boxes[base + d] = point[d]; growing = true }
                        if point[d] > boxes[base + dimensions + d] { boxes[base + dimensions + d] = point[d]; growing = true }
                    }
                }
                ancestor = parent[a]
            }
            return index
        }
    }

    /// Removes one occurrence of point `index` (by its coordinates); false if absent.
    func delete(_ index: Int32, points: PointValues) -> Bool {
        guard root != Self.none else { return false }
        let point = points.start(of: index)
        var node = root
        while !Self.isLeaf(node) {
            let n = Int(node)
            node = point[Int(nodes[n].cutDimension)] <= nodes[n].cutValue ? nodes[n].left : nodes[n].right
        }
        let leaf = Self.leafIndex(node)
        let stored = points.start(of: leafPoint[leaf])
        for d in 0..<dimensions where stored[d] != point[d] { return false }
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
        freeLeaf(leaf)
        guard owner != Self.none else {
            root = Self.none
            return true
        }
        let sibling = nodes[Int(owner)].left == node ? nodes[Int(owner)].right : nodes[Int(owner)].left
        let grandparent = parent[Int(owner)]
        replaceChild(of: grandparent, owner, with: sibling)
        freeNode(owner)
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
                    if low != boxes[base + d] || high != boxes[base + dimensions + d] { shrinking = true }
                    boxes[base + d] = low
                    boxes[base + dimensions + d] = high
                }
            }
            ancestor = parent[a]
        }
        return true
    }
}

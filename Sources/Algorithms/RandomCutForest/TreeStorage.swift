#if canImport(Glibc)
import Glibc
#endif
import WeirCore
import WeirMath

/// The nodes of one random cut tree in buffers it allocates itself, so the hot loops read
/// and write them through plain pointers: no bounds, uniqueness or exclusivity checks, and
/// no copy of a large struct when a mutating path calls a reading one. `RandomCutTree`
/// wraps it with value semantics (copy on write); the algorithms live in extensions.
///
/// Internal nodes keep their cut (dimension and value; points with coordinate <= value go
/// left), parent, mass and, in a box slot, their bounding box (minimum then maximum per
/// dimension, side by side so one cache line holds both); leaves keep a point of the
/// store, their multiplicity and their parent. A child reference >= 0 names an internal
/// node, ~l (that is -1 - l) leaf l.
final class TreeStorage: @unchecked Sendable {
    // Unchecked: a storage shared by several trees is only read; `RandomCutTree` copies
    // it before any change unless it holds the only reference.

    /// What a descent reads at each internal node, side by side in 16 bytes.
    struct Node {
        var cutDimension: Int32
        var cutValue: Float
        var left: Int32
        var right: Int32
    }

    static let none: Int32 = Int32.min

    /// The tree's changing scalars and buffer addresses. Held behind a pointer so the hot
    /// paths read and write them without the exclusivity checks that a class's stored
    /// `var`s cost at run time (measured: 6% of a forest update).
    struct State {
        var random: RandomSource
        var root: Int32 = TreeStorage.none
        var totalMass = 0
        var normalizer = 0.0
        var nodeCount = 0, nodeCapacity: Int
        var boxCount = 0, boxCapacity: Int
        var leafCount = 0, leafCapacity: Int
        var nodes: UnsafeMutablePointer<Node>
        var parent: UnsafeMutablePointer<Int32>
        var mass: UnsafeMutablePointer<Int32>
        var boxSlot: UnsafeMutablePointer<Int32>
        var boxes: UnsafeMutablePointer<Float>
        /// Freed node indexes, a stack with room for every node.
        var freeNodes: UnsafeMutablePointer<Int32>
        var freeNodeCount = 0
        var leafPoint: UnsafeMutablePointer<Int32>
        var leafMass: UnsafeMutablePointer<Int32>
        var leafParent: UnsafeMutablePointer<Int32>
        /// Freed leaf indexes, a stack with room for every leaf.
        var freeLeaves: UnsafeMutablePointer<Int32>
        var freeLeafCount = 0
        /// Room for a path from the root (every node, plus one), for the updates' own use.
        var path: UnsafeMutablePointer<Int32>
    }

    let dimensions: Int
    /// Share of nodes that cache their box (the AWS library's boundingBoxCacheFraction).
    let cacheFraction: Double
    /// Every node caches its box: node n's box is slot n.
    let cachesAll: Bool
    /// Values per box slot: 2 × dimensions.
    let boxStride: Int
    private let state: UnsafeMutablePointer<State>
    /// Room for two boxes, for the updates' own use (they run on an unshared storage only).
    let scratch: UnsafeMutablePointer<Float>

    var random: RandomSource {
        get { state.pointee.random }
        set { state.pointee.random = newValue }
    }
    var root: Int32 {
        get { state.pointee.root }
        set { state.pointee.root = newValue }
    }
    /// Points in the tree, counting duplicates.
    var totalMass: Int {
        get { state.pointee.totalMass }
        set {
            state.pointee.totalMass = newValue
            state.pointee.normalizer = log2(Double(newValue) + 1)
        }
    }
    /// log2(totalMass + 1): the AWS library's normalisation of a tree's score.
    var normalizer: Double { state.pointee.normalizer }
    var nodeCount: Int { state.pointee.nodeCount }
    var nodes: UnsafeMutablePointer<Node> { state.pointee.nodes }
    var parent: UnsafeMutablePointer<Int32> { state.pointee.parent }
    var mass: UnsafeMutablePointer<Int32> { state.pointee.mass }
    /// Per node, its box slot or -1 (unused when every node caches).
    var boxSlot: UnsafeMutablePointer<Int32> { state.pointee.boxSlot }
    /// Box slots in use; slot s holds 2 × dimensions values from s × 2 × dimensions.
    var boxCount: Int { state.pointee.boxCount }
    var boxes: UnsafeMutablePointer<Float> { state.pointee.boxes }
    var leafCount: Int { state.pointee.leafCount }
    var leafPoint: UnsafeMutablePointer<Int32> { state.pointee.leafPoint }
    var leafMass: UnsafeMutablePointer<Int32> { state.pointee.leafMass }
    var leafParent: UnsafeMutablePointer<Int32> { state.pointee.leafParent }
    var freeNodes: [Int32] {
        get { Array(UnsafeBufferPointer(start: state.pointee.freeNodes, count: state.pointee.freeNodeCount)) }
        set {
            reserveNodes(newValue.count)
            copyInto(state.pointee.freeNodes, newValue)
            state.pointee.freeNodeCount = newValue.count
        }
    }
    var freeLeaves: [Int32] {
        get { Array(UnsafeBufferPointer(start: state.pointee.freeLeaves, count: state.pointee.freeLeafCount)) }
        set {
            reserveLeaves(newValue.count)
            copyInto(state.pointee.freeLeaves, newValue)
            state.pointee.freeLeafCount = newValue.count
        }
    }

    /// Room for the internal nodes on a path, for insertion and deletion (which run on an
    /// unshared storage only).
    var pathScratch: UnsafeMutablePointer<Int32> { state.pointee.path }

    /// A uniform draw in [0, 1) from the tree's own generator.
    @inline(__always)
    func uniform() -> Double { state.pointee.random.uniform() }

    /// An empty tree with room for `capacity` leaves before its buffers grow.
    init(dimensions: Int, random: RandomSource, cacheFraction: Double, capacity: Int) {
        precondition(dimensions > 0, "a tree needs at least one dimension")
        precondition(cacheFraction >= 0 && cacheFraction <= 1, "the box cache fraction lies in [0, 1]")
        self.dimensions = dimensions
        self.cacheFraction = cacheFraction
        cachesAll = cacheFraction >= 1
        boxStride = 2 * dimensions
        let leafCapacity = max(capacity, 2), nodeCapacity = leafCapacity
        let boxCapacity = cachesAll ? nodeCapacity : max(1, Int((Double(nodeCapacity) * cacheFraction).rounded(.up)))
        state = .allocate(capacity: 1)
        state.initialize(to: State(random: random, nodeCapacity: nodeCapacity, boxCapacity: boxCapacity, leafCapacity: leafCapacity,
                                   nodes: .allocate(capacity: nodeCapacity), parent: .allocate(capacity: nodeCapacity),
                                   mass: .allocate(capacity: nodeCapacity), boxSlot: .allocate(capacity: nodeCapacity),
                                   boxes: .allocate(capacity: boxCapacity * 2 * dimensions),
                                   freeNodes: .allocate(capacity: nodeCapacity), leafPoint: .allocate(capacity: leafCapacity),
                                   leafMass: .allocate(capacity: leafCapacity), leafParent: .allocate(capacity: leafCapacity),
                                   freeLeaves: .allocate(capacity: leafCapacity), path: .allocate(capacity: nodeCapacity + 1)))
        scratch = .allocate(capacity: 4 * dimensions)
    }

    deinit {
        let s = state.pointee
        s.nodes.deallocate()
        s.parent.deallocate()
        s.mass.deallocate()
        s.boxSlot.deallocate()
        s.boxes.deallocate()
        s.freeNodes.deallocate()
        s.leafPoint.deallocate()
        s.leafMass.deallocate()
        s.leafParent.deallocate()
        s.freeLeaves.deallocate()
        s.path.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
        scratch.deallocate()
    }

    /// An independent storage with the same contents.
    func copy() -> TreeStorage {
        let s = state.pointee
        let twin = TreeStorage(dimensions: dimensions, random: s.random, cacheFraction: cacheFraction, capacity: s.leafCapacity)
        twin.reserveNodes(s.nodeCapacity)
        twin.reserveBoxes(s.boxCapacity)
        let t = twin.state
        t.pointee.nodes.update(from: s.nodes, count: s.nodeCount)
        t.pointee.parent.update(from: s.parent, count: s.nodeCount)
        t.pointee.mass.update(from: s.mass, count: s.nodeCount)
        t.pointee.boxSlot.update(from: s.boxSlot, count: s.nodeCount)
        t.pointee.boxes.update(from: s.boxes, count: s.boxCount * 2 * dimensions)
        t.pointee.freeNodes.update(from: s.freeNodes, count: s.freeNodeCount)
        t.pointee.leafPoint.update(from: s.leafPoint, count: s.leafCount)
        t.pointee.leafMass.update(from: s.leafMass, count: s.leafCount)
        t.pointee.leafParent.update(from: s.leafParent, count: s.leafCount)
        t.pointee.freeLeaves.update(from: s.freeLeaves, count: s.freeLeafCount)
        t.pointee.nodeCount = s.nodeCount
        t.pointee.boxCount = s.boxCount
        t.pointee.leafCount = s.leafCount
        t.pointee.freeNodeCount = s.freeNodeCount
        t.pointee.freeLeafCount = s.freeLeafCount
        t.pointee.root = s.root
        twin.totalMass = s.totalMass
        return twin
    }

    /// Replaces the contents with decoded arrays; `boxSlot` is nil when every node caches
    /// its box, and `boxes` holds each slot's minima followed by its maxima.
    func fill(nodes newNodes: [Node], parent newParent: [Int32], mass newMass: [Int32], boxSlot newSlots: [Int32]?,
              boxes newBoxes: [Float], leafPoint newPoints: [Int32], leafMass newLeafMass: [Int32], leafParent newLeafParent: [Int32]) {
        state.pointee.nodeCount = 0
        state.pointee.leafCount = 0
        state.pointee.boxCount = 0
        reserveNodes(newNodes.count)
        reserveLeaves(newPoints.count)
        reserveBoxes(newBoxes.count / (2 * dimensions))
        copyInto(nodes, newNodes)
        copyInto(parent, newParent)
        copyInto(mass, newMass)
        if let newSlots { copyInto(boxSlot, newSlots) }
        copyInto(boxes, newBoxes)
        copyInto(leafPoint, newPoints)
        copyInto(leafMass, newLeafMass)
        copyInto(leafParent, newLeafParent)
        state.pointee.nodeCount = newNodes.count
        state.pointee.leafCount = newPoints.count
        state.pointee.boxCount = newBoxes.count / (2 * dimensions)
    }

    private func copyInto<T>(_ target: UnsafeMutablePointer<T>, _ source: [T]) {
        source.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            target.update(from: start, count: buffer.count)
        }
    }

    /// Whether a decoded tree is safe to walk and change: every reference points inside
    /// its buffers, the nodes reachable from the root form a tree whose parent links and
    /// masses agree, leaves name points for which `pointIsStored` holds, and the free lists hold exactly
    /// the unreachable nodes and leaves, once each. Checked before any walk, so a damaged
    /// state is refused instead of read out of bounds or looped in.
    func referencesAreValid(pointIsStored: (Int32) -> Bool) -> Bool {
        var seenNodes = [Bool](repeating: false, count: nodeCount), seenLeaves = [Bool](repeating: false, count: leafCount)
        /// Marks `reference` seen; false if it is out of range or was seen before.
        func visit(_ reference: Int32) -> Bool {
            if Self.isLeaf(reference) {
                guard reference != Self.none, Self.leafIndex(reference) < leafCount, !seenLeaves[Self.leafIndex(reference)] else { return false }
                seenLeaves[Self.leafIndex(reference)] = true
            } else {
                guard Int(reference) < nodeCount, !seenNodes[Int(reference)] else { return false }
                seenNodes[Int(reference)] = true
            }
            return true
        }
        if root != Self.none {
            guard visit(root), parentOf(root) == Self.none, Int(massOf(root)) == totalMass else { return false }
            var stack = [root]
            while let reference = stack.popLast() {
                if Self.isLeaf(reference) {
                    guard pointIsStored(leafPoint[Self.leafIndex(reference)]), leafMass[Self.leafIndex(reference)] > 0 else { return false }
                    continue
                }
                let node = nodes[Int(reference)]
                guard node.cutDimension >= 0, Int(node.cutDimension) < dimensions, node.cutValue.isFinite, cachesAll || Int(boxSlot[Int(reference)]) < boxCount,
                      visit(node.left), visit(node.right), parentOf(node.left) == reference, parentOf(node.right) == reference,
                      Int(mass[Int(reference)]) == Int(massOf(node.left)) + Int(massOf(node.right)) else {
                    return false
                }
                stack.append(node.left)
                stack.append(node.right)
            }
        }
        for free in freeNodes where free < 0 || !visit(free) { return false }
        for free in freeLeaves where free < 0 || !visit(~free) { return false }
        return !seenNodes.contains(false) && !seenLeaves.contains(false)
    }

    /// Moves `count` elements to a new buffer of `capacity`.
    private static func grown<T>(_ pointer: UnsafeMutablePointer<T>, count: Int, capacity: Int) -> UnsafeMutablePointer<T> {
        let fresh = UnsafeMutablePointer<T>.allocate(capacity: capacity)
        fresh.moveInitialize(from: pointer, count: count)
        pointer.deallocate()
        return fresh
    }

    private func reserveNodes(_ wanted: Int) {
        let s = state.pointee
        guard wanted > s.nodeCapacity else { return }
        let capacity = max(wanted, 2 * s.nodeCapacity)
        state.pointee.nodes = Self.grown(s.nodes, count: s.nodeCount, capacity: capacity)
        state.pointee.parent = Self.grown(s.parent, count: s.nodeCount, capacity: capacity)
        state.pointee.mass = Self.grown(s.mass, count: s.nodeCount, capacity: capacity)
        state.pointee.boxSlot = Self.grown(s.boxSlot, count: s.nodeCount, capacity: capacity)
        state.pointee.freeNodes = Self.grown(s.freeNodes, count: s.freeNodeCount, capacity: capacity)
        // The path keeps its contents: an insertion grows the nodes halfway through its walk.
        state.pointee.path = Self.grown(s.path, count: s.nodeCapacity + 1, capacity: capacity + 1)
        state.pointee.nodeCapacity = capacity
    }

    private func reserveBoxes(_ wanted: Int) {
        let s = state.pointee
        guard wanted > s.boxCapacity else { return }
        let capacity = max(wanted, 2 * s.boxCapacity)
        state.pointee.boxes = Self.grown(s.boxes, count: s.boxCount * 2 * dimensions, capacity: capacity * 2 * dimensions)
        state.pointee.boxCapacity = capacity
    }

    private func reserveLeaves(_ wanted: Int) {
        let s = state.pointee
        guard wanted > s.leafCapacity else { return }
        let capacity = max(wanted, 2 * s.leafCapacity)
        state.pointee.leafPoint = Self.grown(s.leafPoint, count: s.leafCount, capacity: capacity)
        state.pointee.leafMass = Self.grown(s.leafMass, count: s.leafCount, capacity: capacity)
        state.pointee.leafParent = Self.grown(s.leafParent, count: s.leafCount, capacity: capacity)
        state.pointee.freeLeaves = Self.grown(s.freeLeaves, count: s.freeLeafCount, capacity: capacity)
        state.pointee.leafCapacity = capacity
    }

    /// Whether node index `n` caches its box when not all do: a fixed pseudo-random choice
    /// per index (SplitMix64 of it), so it needs no random draw and survives reuse.
    private func cachesBox(_ n: Int) -> Bool {
        var z = UInt64(n) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53 < cacheFraction
    }

    /// A new internal node (a freed index first), with a zeroed box slot if it caches one.
    func newNode() -> Int32 {
        if state.pointee.freeNodeCount > 0 {
            state.pointee.freeNodeCount -= 1
            return state.pointee.freeNodes[state.pointee.freeNodeCount]
        }
        reserveNodes(nodeCount + 1)
        let node = nodeCount
        state.pointee.nodeCount += 1
        nodes[node] = Node(cutDimension: 0, cutValue: 0, left: Self.none, right: Self.none)
        parent[node] = Self.none
        mass[node] = 0
        if cachesAll || cachesBox(node) {
            reserveBoxes(boxCount + 1)
            boxSlot[node] = Int32(boxCount)
            (boxes + boxCount * 2 * dimensions).initialize(repeating: 0, count: 2 * dimensions)
            state.pointee.boxCount += 1
        } else {
            boxSlot[node] = -1
        }
        return Int32(node)
    }

    /// Returns internal node `n` to the free stack.
    func freeNode(_ n: Int32) {
        state.pointee.freeNodes[state.pointee.freeNodeCount] = n
        state.pointee.freeNodeCount += 1
    }

    /// Returns leaf `l` (an index, not a reference) to the free stack.
    func freeLeaf(_ l: Int) {
        state.pointee.freeLeaves[state.pointee.freeLeafCount] = Int32(l)
        state.pointee.freeLeafCount += 1
    }

    /// A new leaf of mass 1 holding `point` (a freed index first), as a child reference.
    func newLeaf(point: Int32, parent owner: Int32) -> Int32 {
        let leaf: Int
        if state.pointee.freeLeafCount > 0 {
            state.pointee.freeLeafCount -= 1
            leaf = Int(state.pointee.freeLeaves[state.pointee.freeLeafCount])
        } else {
            reserveLeaves(leafCount + 1)
            leaf = leafCount
            state.pointee.leafCount += 1
        }
        leafPoint[leaf] = point
        leafMass[leaf] = 1
        leafParent[leaf] = owner
        return ~Int32(leaf)
    }

    @inline(__always) static func isLeaf(_ reference: Int32) -> Bool { reference < 0 }
    @inline(__always) static func leafIndex(_ reference: Int32) -> Int { Int(~reference) }

    /// Where node `n`'s cached box starts in `boxes`, or nil when it has none.
    @inline(__always)
    func boxBase(_ n: Int) -> Int? {
        if cachesAll { return n &* boxStride }
        let slot = boxSlot[n]
        return slot >= 0 ? Int(slot) &* boxStride : nil
    }

    func massOf(_ reference: Int32) -> Int32 {
        Self.isLeaf(reference) ? leafMass[Self.leafIndex(reference)] : mass[Int(reference)]
    }

    func parentOf(_ reference: Int32) -> Int32 {
        Self.isLeaf(reference) ? leafParent[Self.leafIndex(reference)] : parent[Int(reference)]
    }

    func setParent(of reference: Int32, to owner: Int32) {
        if Self.isLeaf(reference) { leafParent[Self.leafIndex(reference)] = owner } else { parent[Int(reference)] = owner }
    }

    /// Puts `new` where `old` was under `owner` (or at the root).
    func replaceChild(of owner: Int32, _ old: Int32, with new: Int32) {
        if owner == Self.none {
            root = new
        } else if nodes[Int(owner)].left == old {
            nodes[Int(owner)].left = new
        } else {
            nodes[Int(owner)].right = new
        }
        setParent(of: new, to: owner)
    }

    /// Minimum and maximum of `reference`'s box in `dimension`.
    @inline(__always)
    func range(_ reference: Int32, _ dimension: Int, _ points: PointValues) -> (Float, Float) {
        if Self.isLeaf(reference) {
            let value = points[leafPoint[Self.leafIndex(reference)], dimension]
            return (value, value)
        }
        if let base = boxBase(Int(reference)) { return (boxes[base + dimension], boxes[base + dimensions + dimension]) }
        return assembledRange(Int(reference), dimension, points)
    }

    /// The range of a node without a cached box: the union of its children's.
    @inline(never)
    private func assembledRange(_ n: Int, _ dimension: Int, _ points: PointValues) -> (Float, Float) {
        let (l1, h1) = range(nodes[n].left, dimension, points), (l2, h2) = range(nodes[n].right, dimension, points)
        return (min(l1, l2), max(h1, h2))
    }

    /// Writes the box of `reference` to `low` and `high`: its cached box, its point, or the
    /// union of its children's boxes, in one walk for all dimensions.
    func assembleBox(_ reference: Int32, into low: UnsafeMutablePointer<Float>, _ high: UnsafeMutablePointer<Float>,
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
            low.update(from: boxes + base, count: dimensions)
            high.update(from: boxes + base + dimensions, count: dimensions)
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

    /// Bytes of the nodes in use (element counts, not reserved room).
    var memoryBytes: Int {
        nodeCount * (MemoryLayout<Node>.stride + 8) + boxCount * 2 * dimensions * 4 + (cachesAll ? 0 : nodeCount * 4)
            + freeNodes.count * 4 + leafCount * 12 + freeLeaves.count * 4
    }
}

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

    let dimensions: Int
    /// Share of nodes that cache their box (the AWS library's boundingBoxCacheFraction).
    let cacheFraction: Double
    /// Every node caches its box: node n's box is slot n.
    let cachesAll: Bool
    var random: RandomSource
    var root: Int32 = TreeStorage.none
    /// Points in the tree, counting duplicates.
    var totalMass = 0 {
        didSet { normalizer = log2(Double(totalMass) + 1) }
    }
    /// log2(totalMass + 1): the AWS library's normalisation of a tree's score.
    private(set) var normalizer = 0.0

    private(set) var nodeCount = 0
    private var nodeCapacity: Int
    private(set) var nodes: UnsafeMutablePointer<Node>
    private(set) var parent: UnsafeMutablePointer<Int32>
    private(set) var mass: UnsafeMutablePointer<Int32>
    /// Per node, its box slot or -1 (unused when every node caches).
    private(set) var boxSlot: UnsafeMutablePointer<Int32>
    /// Box slots in use; slot s holds 2 × dimensions values from s × 2 × dimensions.
    private(set) var boxCount = 0
    private var boxCapacity: Int
    private(set) var boxes: UnsafeMutablePointer<Float>
    var freeNodes: [Int32] = []

    private(set) var leafCount = 0
    private var leafCapacity: Int
    private(set) var leafPoint: UnsafeMutablePointer<Int32>
    private(set) var leafMass: UnsafeMutablePointer<Int32>
    private(set) var leafParent: UnsafeMutablePointer<Int32>
    var freeLeaves: [Int32] = []

    /// Room for one box, for the updates' own use (they run on an unshared storage only).
    let scratch: UnsafeMutablePointer<Float>

    /// An empty tree with room for `capacity` leaves before its buffers grow.
    init(dimensions: Int, random: RandomSource, cacheFraction: Double, capacity: Int) {
        precondition(dimensions > 0, "a tree needs at least one dimension")
        precondition(cacheFraction >= 0 && cacheFraction <= 1, "the box cache fraction lies in [0, 1]")
        self.dimensions = dimensions
        self.random = random
        self.cacheFraction = cacheFraction
        cachesAll = cacheFraction >= 1
        leafCapacity = max(capacity, 2)
        nodeCapacity = leafCapacity
        boxCapacity = cachesAll ? nodeCapacity : max(1, Int((Double(nodeCapacity) * cacheFraction).rounded(.up)))
        nodes = .allocate(capacity: nodeCapacity)
        parent = .allocate(capacity: nodeCapacity)
        mass = .allocate(capacity: nodeCapacity)
        boxSlot = .allocate(capacity: nodeCapacity)
        boxes = .allocate(capacity: boxCapacity * 2 * dimensions)
        leafPoint = .allocate(capacity: leafCapacity)
        leafMass = .allocate(capacity: leafCapacity)
        leafParent = .allocate(capacity: leafCapacity)
        scratch = .allocate(capacity: 2 * dimensions)
        normalizer = log2(1)
    }

    deinit {
        nodes.deallocate()
        parent.deallocate()
        mass.deallocate()
        boxSlot.deallocate()
        leafPoint.deallocate()
        leafMass.deallocate()
        leafParent.deallocate()
        boxes.deallocate()
        scratch.deallocate()
    }

    /// An independent storage with the same contents.
    func copy() -> TreeStorage {
        let twin = TreeStorage(dimensions: dimensions, random: random, cacheFraction: cacheFraction, capacity: leafCapacity)
        twin.reserveNodes(nodeCapacity)
        twin.reserveBoxes(boxCapacity)
        twin.nodes.update(from: nodes, count: nodeCount)
        twin.parent.update(from: parent, count: nodeCount)
        twin.mass.update(from: mass, count: nodeCount)
        twin.boxSlot.update(from: boxSlot, count: nodeCount)
        twin.boxes.update(from: boxes, count: boxCount * 2 * dimensions)
        twin.leafPoint.update(from: leafPoint, count: leafCount)
        twin.leafMass.update(from: leafMass, count: leafCount)
        twin.leafParent.update(from: leafParent, count: leafCount)
        twin.nodeCount = nodeCount
        twin.boxCount = boxCount
        twin.leafCount = leafCount
        twin.freeNodes = freeNodes
        twin.freeLeaves = freeLeaves
        twin.root = root
        twin.totalMass = totalMass
        return twin
    }

    /// Replaces the contents with decoded arrays; `boxSlot` is nil when every node caches
    /// its box, and `boxes` holds each slot's minima followed by its maxima.
    func fill(nodes newNodes: [Node], parent newParent: [Int32], mass newMass: [Int32], boxSlot newSlots: [Int32]?,
              boxes newBoxes: [Float], leafPoint newPoints: [Int32], leafMass newLeafMass: [Int32], leafParent newLeafParent: [Int32]) {
        nodeCount = 0
        leafCount = 0
        boxCount = 0
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
        nodeCount = newNodes.count
        leafCount = newPoints.count
        boxCount = newBoxes.count / (2 * dimensions)
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
        guard wanted > nodeCapacity else { return }
        let capacity = max(wanted, 2 * nodeCapacity)
        nodes = Self.grown(nodes, count: nodeCount, capacity: capacity)
        parent = Self.grown(parent, count: nodeCount, capacity: capacity)
        mass = Self.grown(mass, count: nodeCount, capacity: capacity)
        boxSlot = Self.grown(boxSlot, count: nodeCount, capacity: capacity)
        nodeCapacity = capacity
    }

    private func reserveBoxes(_ wanted: Int) {
        guard wanted > boxCapacity else { return }
        let capacity = max(wanted, 2 * boxCapacity)
        boxes = Self.grown(boxes, count: boxCount * 2 * dimensions, capacity: capacity * 2 * dimensions)
        boxCapacity = capacity
    }

    private func reserveLeaves(_ wanted: Int) {
        guard wanted > leafCapacity else { return }
        let capacity = max(wanted, 2 * leafCapacity)
        leafPoint = Self.grown(leafPoint, count: leafCount, capacity: capacity)
        leafMass = Self.grown(leafMass, count: leafCount, capacity: capacity)
        leafParent = Self.grown(leafParent, count: leafCount, capacity: capacity)
        leafCapacity = capacity
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
        if let slot = freeNodes.popLast() { return slot }
        reserveNodes(nodeCount + 1)
        let node = nodeCount
        nodeCount += 1
        nodes[node] = Node(cutDimension: 0, cutValue: 0, left: Self.none, right: Self.none)
        parent[node] = Self.none
        mass[node] = 0
        if cachesAll || cachesBox(node) {
            reserveBoxes(boxCount + 1)
            boxSlot[node] = Int32(boxCount)
            (boxes + boxCount * 2 * dimensions).initialize(repeating: 0, count: 2 * dimensions)
            boxCount += 1
        } else {
            boxSlot[node] = -1
        }
        return Int32(node)
    }

    /// A new leaf of mass 1 holding `point` (a freed index first), as a child reference.
    func newLeaf(point: Int32, parent owner: Int32) -> Int32 {
        let leaf: Int
        if let slot = freeLeaves.popLast() {
            leaf = Int(slot)
        } else {
            reserveLeaves(leafCount + 1)
            leaf = leafCount
            leafCount += 1
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
        if cachesAll { return n * 2 * dimensions }
        let slot = boxSlot[n]
        return slot >= 0 ? Int(slot) * 2 * dimensions : nil
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

import WeirCore
import WeirMath

/// One random cut tree over points of a shared `PointStore`, with value semantics: copies
/// share their nodes until one of them changes (so seeding many keys from one trained
/// forest is cheap). Insertion and deletion follow Guha et al. (2016): a new point becomes
/// a sibling wherever a random cut of the merged box would separate it, so the tree is
/// distributed as if built on the current sample. The nodes and the algorithms live in
/// `TreeStorage`.
public struct RandomCutTree: Sendable {
    public let dimensions: Int
    var storage: TreeStorage

    /// An empty tree; `capacity` (leaves, normally the sample size) sizes its buffers.
    public init(dimensions: Int, seed: UInt64, cacheFraction: Double = 1, capacity: Int = 16) {
        self.dimensions = dimensions
        storage = TreeStorage(dimensions: dimensions, random: RandomSource(seed: seed), cacheFraction: cacheFraction,
                              capacity: capacity)
    }

    /// Points in the tree, counting duplicates.
    public var totalMass: Int { storage.totalMass }

    /// Share of nodes that cache their bounding box.
    public var cacheFraction: Double { storage.cacheFraction }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Inserts point `index` of `points`; returns the point the tree now references for it
    /// (an equal point already in the tree, whose leaf mass grew, or `index` itself).
    public mutating func insert(_ index: Int32, points: PointValues) -> Int32 {
        makeUnique()
        return storage.insert(index, points: points)
    }

    /// Removes one occurrence of point `index` (by its coordinates); false if absent.
    @discardableResult
    public mutating func delete(_ index: Int32, points: PointValues) -> Bool {
        makeUnique()
        return storage.delete(index, points: points)
    }

    /// The anomaly score of `point` in this tree (Guha et al.; the normalisation of the
    /// AWS library): a point isolated near the root scores high, one deep in a dense
    /// region low.
    public func anomalyScore(_ point: UnsafeBufferPointer<Float>, points: PointValues) -> Double {
        storage.anomalyScore(point.baseAddress!, points: points)
    }

    /// Trees descended side by side by `summedScores`: their node loads are independent, so
    /// the processor overlaps the waits that one tree's descent would take in turn
    /// (measured: 81k points/s against 63k descending one tree after another).
    static let lockstepWidth = 8

    /// The sum of `anomalyScore` over `trees`. Descends `lockstepWidth` trees a level at a
    /// time, recording each path in `paths` (room for `lockstepWidth × pathCapacity` nodes,
    /// `pathCapacity` more than every tree's `nodeCapacity`), compares each leaf's point
    /// with the query (again side by side), then folds each path up.
    static func summedScores(_ trees: UnsafeBufferPointer<RandomCutTree>, _ point: UnsafePointer<Float>,
                             points: PointValues, paths: UnsafeMutablePointer<Int32>, pathCapacity: Int) -> Double {
        guard let first = trees.first else { return 0 }
        return first.storage.withWidened(point) { wide in
            summedScores(trees, point, wide: wide, points: points, paths: paths, pathCapacity: pathCapacity)
        }
    }

    private static func summedScores(_ trees: UnsafeBufferPointer<RandomCutTree>, _ point: UnsafePointer<Float>,
                                     wide: UnsafePointer<Double>, points: PointValues, paths: UnsafeMutablePointer<Int32>,
                                     pathCapacity: Int) -> Double {
        var total = 0.0
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: lockstepWidth) { cursors in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Int32>.self, capacity: lockstepWidth) { ends in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<TreeStorage.Node>.self, capacity: lockstepWidth) { bases in
                    withUnsafeTemporaryAllocation(of: Bool.self, capacity: lockstepWidth) { seen in
                        let cursor = cursors.baseAddress!, end = ends.baseAddress!, base = bases.baseAddress!
                        var first = 0
                        while first < trees.count {
                            let width = min(lockstepWidth, trees.count - first)
                            for k in 0..<width {
                                cursor[k] = trees[first &+ k].storage.root
                                end[k] = paths + k &* pathCapacity
                                base[k] = trees[first &+ k].storage.nodes
                            }
                            // One level of every tree per pass, until each reaches a leaf (or was empty).
                            var descending = true
                            while descending {
                                descending = false
                                for k in 0..<width where cursor[k] >= 0 {
                                    let node = base[k][Int(cursor[k])]
                                    end[k].pointee = cursor[k]
                                    end[k] += 1
                                    cursor[k] = point[Int(node.cutDimension)] <= node.cutValue ? node.left : node.right
                                    descending = true
                                }
                            }
                            // The trees' array holds their storages for the whole call: borrowed
                            // without a retain and release per tree.
                            for k in 0..<width where cursor[k] != TreeStorage.none {
                                seen[k] = Unmanaged.passUnretained(trees[first &+ k].storage)._withUnsafeGuaranteedRef {
                                    $0.leafHolds(cursor[k], point, points)
                                }
                            }
                            for k in 0..<width where cursor[k] != TreeStorage.none {
                                let path = paths + k &* pathCapacity
                                total += Unmanaged.passUnretained(trees[first &+ k].storage)._withUnsafeGuaranteedRef {
                                    $0.foldedScore(leaf: cursor[k], seen: seen[k], path: path, depth: end[k] - path, point, wide, points)
                                }
                            }
                            first &+= width
                        }
                    }
                }
            }
        }
        return total
    }

    /// A bound on the length of any path through this tree.
    var nodeCapacity: Int { storage.nodeCount }

    /// Displacement (CoDisp-like) score of `point`: the sample points it would push aside
    /// if inserted, in expectation over this tree's cuts (see `TreeStorage.displacement`).
    public func displacement(_ point: UnsafeBufferPointer<Float>, points: PointValues) -> Double {
        storage.displacement(point.baseAddress!, points: points)
    }

    /// The neighbourhood of `point`: the deepest node on its path holding at least
    /// `minimumMass` points, as its mass and the volume of its box grown to hold the point.
    public func neighbourhood(_ point: UnsafeBufferPointer<Float>, points: PointValues,
                              minimumMass: Int) -> (mass: Int, volume: Double) {
        storage.neighbourhood(point.baseAddress!, points: points, minimumMass: minimumMass)
    }

    /// The score split by dimension and direction, added to `high` and `low`; the
    /// 2 × dimensions parts sum to `anomalyScore`.
    public func attribution(_ point: UnsafeBufferPointer<Float>, points: PointValues, into high: inout [Double], _ low: inout [Double]) {
        storage.attribution(point.baseAddress!, points: points, into: &high, &low)
    }

    /// For a point with missing coordinates (`missing[d]` true), the stored point that best
    /// completes it in this tree (its index in the point store).
    public func impute(_ point: UnsafeBufferPointer<Float>, missing: [Bool], points: PointValues) -> Int32? {
        storage.impute(point.baseAddress!, missing: missing, points: points)
    }

    /// The stored point in the leaf `point` falls into: its candidate nearest neighbour.
    public func leafPoint(for point: UnsafeBufferPointer<Float>) -> Int32? {
        storage.leafPoint(for: point.baseAddress!)
    }

    /// Bytes held by this tree's nodes (their counts, not reserved room).
    public var memoryBytes: Int { storage.memoryBytes }

    /// Checks the structure (for tests): masses add up, boxes are the union of their
    /// children's, parent links agree, and every point lies on its side of every cut.
    public func validate(points: PointValues) -> String? { storage.validate(points: points) }

    func encode(into writer: inout BinaryWriter) {
        let s = storage
        let nodes = UnsafeBufferPointer(start: s.nodes, count: s.nodeCount)
        writer.write(UInt32(dimensions))
        writer.write(array: s.random.stateWords)
        writer.write(array: nodes.map(\.cutDimension))
        writer.write(floats: nodes.map(\.cutValue))
        writer.write(array: nodes.map(\.left))
        writer.write(array: nodes.map(\.right))
        writer.write(array: Array(UnsafeBufferPointer(start: s.parent, count: s.nodeCount)))
        writer.write(array: Array(UnsafeBufferPointer(start: s.mass, count: s.nodeCount)))
        // Minima of every box slot, then maxima (the state format predates interleaving).
        let stride = 2 * dimensions
        writer.write(floats: (0..<s.boxCount).flatMap { UnsafeBufferPointer(start: s.boxes + $0 * stride, count: dimensions) })
        writer.write(floats: (0..<s.boxCount).flatMap { UnsafeBufferPointer(start: s.boxes + $0 * stride + dimensions, count: dimensions) })
        writer.write(s.cacheFraction)
        writer.write(array: s.cachesAll ? [] : Array(UnsafeBufferPointer(start: s.boxSlot, count: s.nodeCount)))
        writer.write(array: s.freeNodes)
        writer.write(array: Array(UnsafeBufferPointer(start: s.leafPoint, count: s.leafCount)))
        writer.write(array: Array(UnsafeBufferPointer(start: s.leafMass, count: s.leafCount)))
        writer.write(array: Array(UnsafeBufferPointer(start: s.leafParent, count: s.leafCount)))
        writer.write(array: s.freeLeaves)
        writer.write(s.root)
        writer.write(Int64(s.totalMass))
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        let dimensions = Int(try reader.read(UInt32.self))
        let words: [UInt64] = try reader.readArray()
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { throw reader.error("invalid tree random state") }
        let cutDimension: [Int32] = try reader.readArray()
        let cutValue = try reader.readFloats()
        let left: [Int32] = try reader.readArray()
        let right: [Int32] = try reader.readArray()
        let parent: [Int32] = try reader.readArray()
        let mass: [Int32] = try reader.readArray()
        let boxMin = try reader.readFloats()
        let boxMax = try reader.readFloats()
        let cacheFraction = try reader.readDouble()
        let boxSlot: [Int32] = try reader.readArray()
        let freeNodes: [Int32] = try reader.readArray()
        let leafPoint: [Int32] = try reader.readArray()
        let leafMass: [Int32] = try reader.readArray()
        let leafParent: [Int32] = try reader.readArray()
        let freeLeaves: [Int32] = try reader.readArray()
        let root: Int32 = try reader.read()
        let totalMass = Int(try reader.read(Int64.self))
        let count = cutDimension.count
        guard dimensions > 0, [cutValue.count, left.count, right.count, parent.count, mass.count].allSatisfy({ $0 == count }),
              cacheFraction >= 0 && cacheFraction <= 1, boxMin.count == boxMax.count, boxMin.count % dimensions == 0,
              cacheFraction < 1 ? boxSlot.count == count && boxSlot.allSatisfy({ $0 < boxMin.count / dimensions })
                                : boxSlot.isEmpty && boxMin.count == count * dimensions,
              leafMass.count == leafPoint.count, leafParent.count == leafPoint.count else {
            throw reader.error("inconsistent tree arrays")
        }
        let slots = boxMin.count / dimensions
        var boxes: [Float] = []
        boxes.reserveCapacity(2 * boxMin.count)
        for slot in 0..<slots {
            boxes.append(contentsOf: boxMin[(slot * dimensions)..<((slot + 1) * dimensions)])
            boxes.append(contentsOf: boxMax[(slot * dimensions)..<((slot + 1) * dimensions)])
        }
        let nodes = (0..<count).map { TreeStorage.Node(cutDimension: cutDimension[$0], cutValue: cutValue[$0], left: left[$0], right: right[$0]) }
        let storage = TreeStorage(dimensions: dimensions, random: RandomSource(stateWords: words), cacheFraction: cacheFraction,
                                  capacity: leafPoint.count)
        storage.fill(nodes: nodes, parent: parent, mass: mass, boxSlot: cacheFraction < 1 ? boxSlot : nil, boxes: boxes,
                     leafPoint: leafPoint, leafMass: leafMass, leafParent: leafParent)
        storage.freeNodes = freeNodes
        storage.freeLeaves = freeLeaves
        storage.root = root
        storage.totalMass = totalMass
        self.dimensions = dimensions
        self.storage = storage
    }
}

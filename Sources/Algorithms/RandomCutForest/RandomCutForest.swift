#if canImport(Glibc)
import Glibc
#endif
import WeirCore
import WeirMath

/// A random cut forest for streaming anomaly detection: `numberOfTrees` trees, each over
/// its own time-decayed sample of `sampleSize` points, sharing one point store. Score a
/// point before updating with it: the score is the average over trees of how easily the
/// point would be isolated (about 1 or below for typical points, 3 and more for clear
/// anomalies with the default settings).
public final class RandomCutForest {
    public struct Configuration: Sendable {
        public var dimensions: Int
        public var numberOfTrees = 50
        public var sampleSize = 256
        /// λ of the samplers; the AWS library's default is 1 / (10 × sampleSize).
        public var timeDecay: Double?
        /// Updates before scores are reported (0 before); default sampleSize / 4.
        public var outputAfter: Int?
        public var initialAcceptFraction = 0.125
        public var seed: UInt64 = 0
        /// Internal shingling: `scoreAndUpdate(vector:)` takes base vectors of
        /// dimensions / shingleSize values and the forest keeps the last shingleSize of them.
        public var shingleSize = 1
        /// Cyclic (rotating) internal shingles instead of oldest-first ones.
        public var cyclicShingle = false
        /// Points given to `update` are shingles advancing by this many values (external
        /// shingling, as the thresholded forest does): the point store then keeps only the
        /// new values of each. Internal shingling sets it by itself.
        public var externalShingleStep: Int?
        /// Share of tree nodes that keep their bounding box (1: all, fastest); the others
        /// assemble theirs from their children when needed, trading time for memory (boxes
        /// are most of a forest's bytes with long shingles).
        public var boundingBoxCacheFraction = 1.0

        public init(dimensions: Int) {
            self.dimensions = dimensions
        }
    }

    public let configuration: Configuration
    let store: PointStore
    /// The forest's changing parts, behind a pointer so that the per-point accesses cost no
    /// run-time exclusivity checks (as a class's stored `var`s would).
    private struct Parts {
        var trees: [RandomCutTree]
        var samplers: [ReservoirSampler]
        /// Scratch room for the paths of trees scored side by side.
        var scorePaths: [Int32] = []
        var updates: Int64 = 0
    }
    private let parts: UnsafeMutablePointer<Parts>
    private var trees: [RandomCutTree] {
        _read { yield parts.pointee.trees }
        _modify { yield &parts.pointee.trees }
    }
    private var samplers: [ReservoirSampler] {
        _read { yield parts.pointee.samplers }
        _modify { yield &parts.pointee.samplers }
    }
    private var scorePaths: [Int32] {
        _read { yield parts.pointee.scorePaths }
        _modify { yield &parts.pointee.scorePaths }
    }
    public private(set) var updates: Int64 {
        get { parts.pointee.updates }
        set { parts.pointee.updates = newValue }
    }
    private let outputAfter: Int
    /// The internal shingle, when the forest builds its points from base vectors.
    public private(set) var shingle: ShingleBuilder?

    public static let magic = Array("WEIRRCF1".utf8)
    /// 2: trees record their box cache fraction and box slots. 3: samplers record the
    /// index of their next acceptance (version 2 states still load).
    public static let stateVersion: UInt16 = 3

    public init(_ configuration: Configuration) {
        precondition(configuration.dimensions > 0 && configuration.numberOfTrees > 0 && configuration.sampleSize > 0,
                     "a forest needs dimensions, trees and a sample size")
        self.configuration = configuration
        var seeds = RandomSource(seed: configuration.seed)
        let decay = configuration.timeDecay ?? 1 / (10 * Double(configuration.sampleSize))
        let step = configuration.shingleSize > 1 && !configuration.cyclicShingle
            ? configuration.dimensions / configuration.shingleSize : configuration.externalShingleStep
        precondition(step.map { $0 > 0 && $0 <= configuration.dimensions } ?? true, "a shingle step must lie in 1...dimensions")
        store = PointStore(dimensions: configuration.dimensions, capacity: configuration.sampleSize * 2, shingleStep: step)
        precondition(configuration.boundingBoxCacheFraction >= 0 && configuration.boundingBoxCacheFraction <= 1,
                     "the bounding box cache fraction lies in [0, 1]")
        let trees = (0..<configuration.numberOfTrees).map { _ in
            RandomCutTree(dimensions: configuration.dimensions, seed: seeds.next(), cacheFraction: configuration.boundingBoxCacheFraction,
                          capacity: configuration.sampleSize)
        }
        let samplers = (0..<configuration.numberOfTrees).map { _ in
            ReservoirSampler(capacity: configuration.sampleSize, timeDecay: decay,
                             initialAcceptFraction: configuration.initialAcceptFraction, seed: seeds.next())
        }
        parts = .allocate(capacity: 1)
        parts.initialize(to: Parts(trees: trees, samplers: samplers))
        outputAfter = configuration.outputAfter ?? max(1, configuration.sampleSize / 4)
        if configuration.shingleSize > 1 {
            precondition(configuration.dimensions % configuration.shingleSize == 0,
                         "dimensions \(configuration.dimensions) are not a multiple of the shingle size \(configuration.shingleSize)")
            shingle = ShingleBuilder(baseDimensions: configuration.dimensions / configuration.shingleSize,
                                     size: configuration.shingleSize, cyclic: configuration.cyclicShingle)
        }
    }

    deinit {
        parts.deinitialize(count: 1)
        parts.deallocate()
    }

    /// Internal shingling: scores the shingle that `vector` completes, then adds the vector
    /// and updates the forest with that shingle. Returns 0 until the shingle is full and
    /// the forest ready.
    public func scoreAndUpdate(vector: [Float]) -> Double {
        guard var builder = shingle else { return scoreAndUpdate(vector) }
        builder.add(vector)
        shingle = builder
        guard builder.isFull else { return 0 }
        return scoreAndUpdate(builder.point)
    }

    /// Internal shingling: the score of the shingle `vector` would complete, without
    /// changing anything.
    public func score(vector: [Float]) -> Double {
        guard var future = shingle else { return score(vector) }
        future.add(vector)
        return future.isFull ? score(future.point) : 0
    }

    /// Whether enough points have been seen for scores to mean something.
    public var isReady: Bool { updates >= Int64(outputAfter) }

    /// The anomaly score of `point` against the current samples (0 until ready).
    /// A point with a NaN or infinite value scores 0 (it cannot be placed; see `impute`).
    public func score(_ point: [Float]) -> Double {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        guard isReady, point.allSatisfy(\.isFinite) else { return 0 }
        return point.withUnsafeBufferPointer { buffer in
            let pathCapacity = trees.reduce(1) { max($0, $1.nodeCapacity + 1) }
            if scorePaths.count < pathCapacity * RandomCutTree.lockstepWidth {
                scorePaths = [Int32](repeating: 0, count: pathCapacity * RandomCutTree.lockstepWidth)
            }
            let total = store.withValues { points in
                trees.withUnsafeBufferPointer { forest in
                    scorePaths.withUnsafeMutableBufferPointer { paths in
                        RandomCutTree.summedScores(forest, buffer.baseAddress!, points: points, paths: paths.baseAddress!,
                                                   pathCapacity: pathCapacity)
                    }
                }
            }
            return total / Double(trees.count)
        }
    }

    /// The displacement score of `point` (see `RandomCutTree.displacement`), averaged over
    /// trees: the number of sample points it would push aside, rrcf's CoDisp scale rather
    /// than the normalised expected-depth score. 0 until ready.
    public func displacementScore(_ point: [Float]) -> Double {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        guard isReady, point.allSatisfy(\.isFinite) else { return 0 }
        return point.withUnsafeBufferPointer { buffer in
            store.withValues { points in
                trees.indices.reduce(0.0) { $0 + trees[$1].displacement(buffer, points: points) } / Double(trees.count)
            }
        }
    }

    /// A local density estimate at `point`, in sample points per unit volume over the
    /// sample size: per tree, the deepest node on the point's path holding at least
    /// `neighbours` points gives mass / (sample × volume of its box grown to hold the
    /// point), a nearest-neighbour estimate whose ball follows the cuts; trees average.
    /// Near the data's own density in dense regions, near 0 far from it. 0 until ready.
    public func density(_ point: [Float], neighbours: Int = 32) -> Double {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        guard isReady, point.allSatisfy(\.isFinite) else { return 0 }
        return point.withUnsafeBufferPointer { buffer in
            store.withValues { points in
                var total = 0.0
                for index in trees.indices {
                    let (mass, volume) = trees[index].neighbourhood(buffer, points: points, minimumMass: neighbours)
                    guard volume > 0 else { continue }
                    total += Double(mass) / Double(max(trees[index].totalMass, 1)) / volume
                }
                return total / Double(trees.count)
            }
        }
    }

    /// Which dimensions, and in which direction, make `point` anomalous: per dimension the
    /// part of the score due to the point lying above (`high`) or below (`low`) the data,
    /// averaged over trees. `high` and `low` together sum to `score(point)`.
    public func attribution(_ point: [Float]) -> (high: [Double], low: [Double]) {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        var high = [Double](repeating: 0, count: configuration.dimensions), low = high
        guard isReady, point.allSatisfy(\.isFinite) else { return (high, low) }
        point.withUnsafeBufferPointer { buffer in
            store.withValues { points in
                for index in trees.indices { trees[index].attribution(buffer, points: points, into: &high, &low) }
            }
        }
        let count = Double(trees.count)
        return (high.map { $0 / count }, low.map { $0 / count })
    }

    /// `point` with its NaN coordinates filled in: each tree proposes the stored point that
    /// best completes it (see `RandomCutTree.impute`) and each missing coordinate takes the
    /// median of the trees' proposals. Coordinates that are present are returned as given.
    public func impute(_ point: [Float]) -> [Float] {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        let missing = point.map(\.isNaN)
        guard missing.contains(true), store.count > 0 else { return point }
        var proposals = Array(repeating: [Float](), count: configuration.dimensions)
        point.withUnsafeBufferPointer { buffer in
            store.withValues { points in
                for index in trees.indices {
                    guard let candidate = trees[index].impute(buffer, missing: missing, points: points) else { continue }
                    for d in 0..<configuration.dimensions where missing[d] {
                        proposals[d].append(points[candidate, d])
                    }
                }
            }
        }
        var result = point
        for d in 0..<configuration.dimensions where missing[d] && !proposals[d].isEmpty {
            let sorted = proposals[d].sorted()
            result[d] = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        return result
    }

    /// Forecasts the next `horizon` base vectors of an internally shingled forest: the
    /// shingle is shifted by one vector, the new slot imputed, and so on, each forecast
    /// feeding the next. The forest itself is not changed. Empty until the shingle is full.
    public func extrapolate(_ horizon: Int) -> [[Float]] {
        guard let builder = shingle, builder.isFull, !builder.cyclic, horizon > 0 else { return [] }
        let base = builder.baseDimensions
        var window = builder.point
        var forecasts: [[Float]] = []
        for _ in 0..<horizon {
            window = Array(window.dropFirst(base)) + Array(repeating: .nan, count: base)
            window = impute(window)
            forecasts.append(Array(window.suffix(base)))
        }
        return forecasts
    }

    /// A stored point near a query: its coordinates, its Euclidean distance to the query
    /// and how many trees led to it (more trees, a more typical neighbour).
    public struct Neighbour: Sendable, Equatable {
        public let point: [Float]
        public let distance: Double
        public let trees: Int
    }

    /// Up to `count` stored points near `point`, nearest first: each tree proposes the point
    /// in the leaf the query reaches, as the AWS library's near-neighbour query does.
    public func nearNeighbours(_ point: [Float], count: Int) -> [Neighbour] {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        var votes: [Int32: Int] = [:]
        point.withUnsafeBufferPointer { buffer in
            for index in trees.indices {
                if let candidate = trees[index].leafPoint(for: buffer) { votes[candidate, default: 0] += 1 }
            }
        }
        let neighbours = votes.map { index, trees -> Neighbour in
            let coordinates = Array(store.point(index))
            let distance = zip(coordinates, point).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            return Neighbour(point: coordinates, distance: distance, trees: trees)
        }
        return Array(neighbours.sorted { ($0.distance, -$0.trees) < ($1.distance, -$1.trees) }.prefix(count))
    }

    /// Offers `point` to every tree's sampler and updates the trees that take it.
    /// A point with a NaN or infinite value is not learned (no random cut can place it);
    /// fill missing values first (`impute`, or the thresholded forest's imputation).
    public func update(_ point: [Float]) {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        guard point.allSatisfy(\.isFinite) else { return }
        let sequence = updates
        updates += 1
        let index = point.withUnsafeBufferPointer { store.add($0) }
        // At most one eviction per tree: room on the stack, not an array per update.
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: trees.count) { released in
            let count = store.withValues { points in
                trees.withUnsafeMutableBufferPointer { trees in
                    samplers.withUnsafeMutableBufferPointer { samplers in
                        Self.offer(index, sequence: sequence, to: trees, samplers, store: store, points: points,
                                   released: released.baseAddress!)
                    }
                }
            }
            // Released after the trees are done reading the values, so no slot is reused early.
            for evicted in released[..<count] { store.release(evicted) }
        }
        store.discardIfUnreferenced(index)
    }

    /// Offers stored point `index` to every tree's sampler and updates the trees that take
    /// it (each array opened once for the step rather than once per tree). Writes the
    /// evicted points (still referenced in the store) to `released`; returns their count.
    private static func offer(_ index: Int32, sequence: Int64, to trees: UnsafeMutableBufferPointer<RandomCutTree>,
                              _ samplers: UnsafeMutableBufferPointer<ReservoirSampler>, store: PointStore,
                              points: PointValues, released: UnsafeMutablePointer<Int32>) -> Int {
        var releasedCount = 0
        for tree in 0..<trees.count {
            let decision = samplers[tree].offer(sequenceIndex: sequence)
            switch decision {
            case .rejected: continue
            case .acceptedEvicting(_, let evicted):
                trees[tree].delete(evicted, points: points)
                released[releasedCount] = evicted
                releasedCount += 1
            case .accepted: break
            }
            let kept = trees[tree].insert(index, points: points)
            store.retain(kept)
            samplers[tree].add(decision, pointIndex: kept, sequenceIndex: sequence)
        }
        return releasedCount
    }

    /// Scores `point`, then updates with it: the streaming operator's step.
    public func scoreAndUpdate(_ point: [Float]) -> Double {
        let result = score(point)
        update(point)
        return result
    }

    /// An independent copy that shares storage until either side changes (the arrays are
    /// copy-on-write), so seeding many keys from one trained forest is cheap.
    public func copy() -> RandomCutForest {
        let twin = RandomCutForest(configuration: configuration, store: store.copy(), trees: trees, samplers: samplers, updates: updates)
        twin.shingle = shingle
        return twin
    }

    /// Structural checks of every tree and of the point references (for tests).
    public func validate() -> String? {
        for (index, tree) in trees.enumerated() {
            if let problem = store.withValues({ tree.validate(points: $0) }) { return "tree \(index): \(problem)" }
            if tree.totalMass != samplers[index].count { return "tree \(index) holds \(tree.totalMass) points, its sampler \(samplers[index].count)" }
        }
        return nil
    }

    /// Approximate bytes of the forest's state: trees, samplers and the point store.
    public var memoryBytes: Int {
        trees.reduce(0) { $0 + $1.memoryBytes } + samplers.reduce(0) { $0 + $1.count * (4 + 4 + 8) } + store.memoryBytes
    }

    /// λ of the samplers.
    public var timeDecay: Double { samplers.first?.timeDecay ?? 0 }

    /// Whether every stored point's values are finite (a snapshot check).
    public var hasFiniteValues: Bool { store.liveValuesAreFinite }

    /// Values in the point store's buffer (overlapping shingles share theirs).
    public var storedValues: Int { store.storedValues }

    /// Points stored once for all trees.
    public var storedPoints: Int { store.count }

    /// The forest's complete state (configuration, point store, trees, samplers and their
    /// random generators) in Weir's versioned binary form with a CRC-32. Restoring it
    /// continues the stream exactly as if uninterrupted; encoding a restored forest gives
    /// the same bytes.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: memoryBytes + 1024)
        writer.append(raw: Self.magic)
        writer.write(Self.stateVersion)
        writer.write(UInt32(configuration.dimensions))
        writer.write(UInt32(configuration.numberOfTrees))
        writer.write(UInt32(configuration.sampleSize))
        writer.write(samplers.first?.timeDecay ?? 0)
        writer.write(UInt32(outputAfter))
        writer.write(configuration.initialAcceptFraction)
        writer.write(configuration.seed)
        writer.write(updates)
        writer.write(UInt8(shingle == nil ? 0 : 1))
        shingle?.encode(into: &writer)
        store.encode(into: &writer)
        for tree in trees { tree.encode(into: &writer) }
        for sampler in samplers { sampler.encode(into: &writer) }
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// Restores a forest from `encoded()`; `name` labels errors (a snapshot id or file).
    public convenience init(encoded bytes: [UInt8], name: String) throws(BinaryReader.Failure) {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir random cut forest state")
        let version: UInt16 = try reader.read()
        guard version == 2 || version == Self.stateVersion else { throw reader.error("unsupported forest state version \(version)") }
        var configuration = Configuration(dimensions: Int(try reader.read(UInt32.self)))
        configuration.numberOfTrees = Int(try reader.read(UInt32.self))
        configuration.sampleSize = Int(try reader.read(UInt32.self))
        configuration.timeDecay = try reader.readDouble()
        configuration.outputAfter = Int(try reader.read(UInt32.self))
        configuration.initialAcceptFraction = try reader.readDouble()
        configuration.seed = try reader.read()
        let updates: Int64 = try reader.read()
        var shingle: ShingleBuilder?
        if try reader.read(UInt8.self) == 1 {
            let builder = try ShingleBuilder(from: &reader)
            shingle = builder
            configuration.shingleSize = builder.size
            configuration.cyclicShingle = builder.cyclic
        }
        let store = try PointStore(from: &reader)
        if shingle == nil && store.shingleStep < store.dimensions { configuration.externalShingleStep = store.shingleStep }
        var trees: [RandomCutTree] = []
        for _ in 0..<configuration.numberOfTrees { trees.append(try RandomCutTree(from: &reader)) }
        configuration.boundingBoxCacheFraction = trees.first?.cacheFraction ?? 1
        var samplers: [ReservoirSampler] = []
        for _ in 0..<configuration.numberOfTrees { samplers.append(try ReservoirSampler(from: &reader, version: version)) }
        try reader.expectEnd()
        guard configuration.dimensions == store.dimensions, trees.allSatisfy({ $0.dimensions == store.dimensions }) else {
            throw reader.error("the trees' dimensions do not match the point store's")
        }
        // Each sampler entry holds one reference to its point in the store.
        var references: [Int32: Int] = [:]
        for sampler in samplers { for index in sampler.pointIndexes { references[index, default: 0] += 1 } }
        guard trees.allSatisfy({ $0.storage.referencesAreValid(pointIsStored: store.isStored) }),
              zip(trees, samplers).allSatisfy({ $0.totalMass == $1.count }),
              store.referenceCountsMatch(references) else {
            throw reader.error("inconsistent trees or samplers: a reference outside its arrays, a cycle, or a point not in the store")
        }
        self.init(configuration: configuration, store: store, trees: trees, samplers: samplers, updates: updates)
        self.shingle = shingle
        // Boxes that are the union of their children and cuts that separate them, over
        // finite values: what insertion and deletion rely on.
        guard store.liveValuesAreFinite else { throw reader.error("non-finite values in the stored points") }
        if let problem = validate() { throw reader.error("inconsistent forest: \(problem)") }
    }

    private init(configuration: Configuration, store: PointStore, trees: [RandomCutTree], samplers: [ReservoirSampler], updates: Int64) {
        self.configuration = configuration
        self.store = store
        parts = .allocate(capacity: 1)
        parts.initialize(to: Parts(trees: trees, samplers: samplers, updates: updates))
        outputAfter = configuration.outputAfter ?? max(1, configuration.sampleSize / 4)
    }
}

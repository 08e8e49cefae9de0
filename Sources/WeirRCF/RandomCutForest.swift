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

        public init(dimensions: Int) {
            self.dimensions = dimensions
        }
    }

    public let configuration: Configuration
    let store: PointStore
    private var trees: [RandomCutTree]
    private var samplers: [ReservoirSampler]
    public private(set) var updates: Int64 = 0
    private let outputAfter: Int

    public init(_ configuration: Configuration) {
        precondition(configuration.dimensions > 0 && configuration.numberOfTrees > 0 && configuration.sampleSize > 0,
                     "a forest needs dimensions, trees and a sample size")
        self.configuration = configuration
        var seeds = RandomSource(seed: configuration.seed)
        let decay = configuration.timeDecay ?? 1 / (10 * Double(configuration.sampleSize))
        store = PointStore(dimensions: configuration.dimensions, capacity: configuration.sampleSize * 2)
        trees = (0..<configuration.numberOfTrees).map { _ in RandomCutTree(dimensions: configuration.dimensions, seed: seeds.next()) }
        samplers = (0..<configuration.numberOfTrees).map { _ in
            ReservoirSampler(capacity: configuration.sampleSize, timeDecay: decay,
                             initialAcceptFraction: configuration.initialAcceptFraction, seed: seeds.next())
        }
        outputAfter = configuration.outputAfter ?? max(1, configuration.sampleSize / 4)
    }

    /// Whether enough points have been seen for scores to mean something.
    public var isReady: Bool { updates >= Int64(outputAfter) }

    /// The anomaly score of `point` against the current samples (0 until ready).
    public func score(_ point: [Float]) -> Double {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        guard isReady else { return 0 }
        return point.withUnsafeBufferPointer { buffer in
            var total = 0.0
            // By index, so each tree is read in place rather than copied.
            for index in trees.indices { total += trees[index].anomalyScore(buffer, store: store) }
            return total / Double(trees.count)
        }
    }

    /// Offers `point` to every tree's sampler and updates the trees that take it.
    public func update(_ point: [Float]) {
        precondition(point.count == configuration.dimensions, "a point of \(point.count) values for a forest of \(configuration.dimensions) dimensions")
        let sequence = updates
        updates += 1
        let index = point.withUnsafeBufferPointer { store.add($0) }
        for tree in trees.indices {
            let decision = samplers[tree].offer(sequenceIndex: sequence)
            switch decision {
            case .rejected: continue
            case .acceptedEvicting(_, let evicted):
                trees[tree].delete(evicted, store: store)
                store.release(evicted)
            case .accepted: break
            }
            let kept = trees[tree].insert(index, store: store)
            store.retain(kept)
            samplers[tree].add(decision, pointIndex: kept, sequenceIndex: sequence)
        }
        store.discardIfUnreferenced(index)
    }

    /// Scores `point`, then updates with it: the streaming operator's step.
    public func scoreAndUpdate(_ point: [Float]) -> Double {
        let result = score(point)
        update(point)
        return result
    }

    /// Structural checks of every tree and of the point references (for tests).
    public func validate() -> String? {
        for (index, tree) in trees.enumerated() {
            if let problem = tree.validate(store: store) { return "tree \(index): \(problem)" }
            if tree.totalMass != samplers[index].count { return "tree \(index) holds \(tree.totalMass) points, its sampler \(samplers[index].count)" }
        }
        return nil
    }

    /// Approximate bytes of the forest's state: trees, samplers and the point store.
    public var memoryBytes: Int {
        trees.reduce(0) { $0 + $1.memoryBytes } + samplers.reduce(0) { $0 + $1.count * (4 + 4 + 8) } + store.memoryBytes
    }

    /// Points stored once for all trees.
    public var storedPoints: Int { store.count }
}

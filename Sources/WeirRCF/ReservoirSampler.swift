import WeirCore
import WeirMath

/// A tree's sample of the stream: a weighted reservoir in which a point of sequence index
/// t gets the weight -λ·t + log(-log u) (u uniform) and the `capacity` points of lowest
/// weight are kept. With λ > 0 (time decay) recent points are favoured, so the sample
/// follows a drifting stream; λ = 0 is a uniform sample of everything seen.
public struct ReservoirSampler: Sendable {
    public let capacity: Int
    public var timeDecay: Double {
        didSet { boundThrough = -1 }
    }
    /// While the sample is not full, the first `initialAcceptFraction × capacity` points are
    /// all admitted and later ones with a falling probability, so that trees diverge early.
    public let initialAcceptFraction: Double
    /// A max-heap on weight: the root is the first point to evict.
    private(set) var weights: [Float] = []
    private(set) var pointIndexes: [Int32] = []
    private(set) var sequenceIndexes: [Int64] = []
    private var random: RandomSource
    /// Once full, a draw u below this is rejected without computing its weight: valid for
    /// the heaviest weight `boundTop` and sequence indexes up to `boundThrough` (a cache,
    /// not state: decisions are the same with or without it).
    private var rejectBelow = 0.0
    private var boundTop = Float.nan
    private var boundThrough: Int64 = -1
    /// Sequence indexes one rejection bound serves.
    private static let boundWindow: Int64 = 256

    public init(capacity: Int, timeDecay: Double, initialAcceptFraction: Double = 1, seed: UInt64) {
        precondition(capacity > 0, "a sampler holds at least one point")
        self.capacity = capacity
        self.timeDecay = timeDecay
        self.initialAcceptFraction = initialAcceptFraction
        random = RandomSource(seed: seed)
        weights.reserveCapacity(capacity)
        pointIndexes.reserveCapacity(capacity)
        sequenceIndexes.reserveCapacity(capacity)
    }

    public var count: Int { weights.count }
    public var isFull: Bool { weights.count == capacity }

    /// The outcome of offering a point: rejected, accepted into free room, or accepted in
    /// place of an evicted point.
    public enum Decision: Equatable, Sendable {
        case rejected
        case accepted(weight: Float)
        case acceptedEvicting(weight: Float, evicted: Int32)
    }

    /// Decides on the point of `sequenceIndex` (does not add it yet: the tree first tells
    /// which stored point it actually keeps, since duplicates share a leaf).
    public mutating func offer(sequenceIndex: Int64) -> Decision {
        var u = 0.0
        while u == 0 { u = random.uniform() }
        if isFull {
            if weights[0] != boundTop || sequenceIndex > boundThrough { updateRejectionBound(sequenceIndex) }
            if u < rejectBelow { return .rejected }
        }
        let weight = Float(-Double(sequenceIndex) * timeDecay + Double.log(-Double.log(u)))
        if !isFull {
            let fraction: Double
            if Double(count) < initialAcceptFraction * Double(capacity) {
                fraction = 1
            } else if initialAcceptFraction >= 1 {
                fraction = 0
            } else {
                fraction = 1 - (Double(count) / Double(capacity) - initialAcceptFraction) / (1 - initialAcceptFraction)
            }
            if random.uniform() < fraction { return .accepted(weight: weight) }
        }
        guard let top = weights.first, weight < top else { return .rejected }
        return .acceptedEvicting(weight: weight, evicted: pointIndexes[0])
    }

    /// The weight of draw u is below the heaviest weight `top` exactly when
    /// u > exp(-exp(top + λ·t)), a bound that only falls as t grows. Its value at the end
    /// of the window, less a margin far above rounding error, rejects the draws below it
    /// at the cost of one comparison: about 90% of them with the default decay, where the
    /// weight costs two logarithms.
    private mutating func updateRejectionBound(_ sequenceIndex: Int64) {
        boundTop = weights[0]
        boundThrough = sequenceIndex + Self.boundWindow
        rejectBelow = Double.exp(-Double.exp(Double(boundTop) + Double(boundThrough) * timeDecay)) * (1 - 1e-6)
    }

    /// Records an accepted point, evicting the heaviest one first when the offer said so.
    public mutating func add(_ decision: Decision, pointIndex: Int32, sequenceIndex: Int64) {
        switch decision {
        case .rejected: return
        case .accepted(let weight):
            push(weight, pointIndex, sequenceIndex)
        case .acceptedEvicting(let weight, _):
            popTop()
            push(weight, pointIndex, sequenceIndex)
        }
    }

    private mutating func push(_ weight: Float, _ point: Int32, _ sequence: Int64) {
        weights.append(weight)
        pointIndexes.append(point)
        sequenceIndexes.append(sequence)
        var child = weights.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard weights[child] > weights[parent] else { break }
            swapEntries(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        let last = weights.count - 1
        swapEntries(0, last)
        weights.removeLast()
        pointIndexes.removeLast()
        sequenceIndexes.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < weights.count && weights[left] > weights[largest] { largest = left }
            if right < weights.count && weights[right] > weights[largest] { largest = right }
            if largest == parent { return }
            swapEntries(parent, largest)
            parent = largest
        }
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        weights.swapAt(a, b)
        pointIndexes.swapAt(a, b)
        sequenceIndexes.swapAt(a, b)
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(UInt32(capacity))
        writer.write(timeDecay)
        writer.write(initialAcceptFraction)
        writer.write(floats: weights)
        writer.write(array: pointIndexes)
        writer.write(array: sequenceIndexes)
        writer.write(array: random.stateWords)
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        capacity = Int(try reader.read(UInt32.self))
        timeDecay = try reader.readDouble()
        initialAcceptFraction = try reader.readDouble()
        weights = try reader.readFloats()
        pointIndexes = try reader.readArray()
        sequenceIndexes = try reader.readArray()
        let words: [UInt64] = try reader.readArray()
        guard capacity > 0, weights.count <= capacity, pointIndexes.count == weights.count, sequenceIndexes.count == weights.count,
              words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw reader.error("inconsistent sampler state")
        }
        random = RandomSource(stateWords: words)
    }
}

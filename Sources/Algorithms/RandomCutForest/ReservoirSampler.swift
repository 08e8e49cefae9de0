#if canImport(Glibc)
import Glibc
#endif
import WeirCore
import WeirMath

/// A tree's sample of the stream: a weighted reservoir in which a point of sequence index
/// t gets the weight -λ·t + log(-log u) (u uniform) and the `capacity` points of lowest
/// weight are kept. With λ > 0 (time decay) recent points are favoured, so the sample
/// follows a drifting stream; λ = 0 is a uniform sample of everything seen.
///
/// Once the sample is full, the sampler does not draw a weight per offered point: while
/// its heaviest weight stays the same, the chance that no point among the next ones comes
/// in has a closed form, so it draws the index of the next point that will, and that
/// point's weight conditioned on coming in (the same distribution, a comparison per offer).
public struct ReservoirSampler: Sendable {
    public let capacity: Int
    public var timeDecay: Double {
        didSet { nextAcceptance = -1 }
    }
    /// While the sample is not full, the first `initialAcceptFraction × capacity` points are
    /// all admitted and later ones with a falling probability, so that trees diverge early.
    public let initialAcceptFraction: Double
    /// One sampled point: its weight, its index in the point store, its sequence index.
    struct Entry {
        var weight: Float
        var point: Int32
        var sequence: Int64
    }
    /// A max-heap on weight: the root is the first point to evict.
    private var heap: [Entry] = []
    /// The point-store indexes of the sample (in heap order).
    var pointIndexes: [Int32] { heap.map(\.point) }
    private var random: RandomSource
    /// Once full: the sequence index of the next point to come in, drawn for the current
    /// heaviest weight (-1: to be drawn at the next offer).
    private(set) var nextAcceptance: Int64 = -1

    public init(capacity: Int, timeDecay: Double, initialAcceptFraction: Double = 1, seed: UInt64) {
        precondition(capacity > 0, "a sampler holds at least one point")
        self.capacity = capacity
        self.timeDecay = timeDecay
        self.initialAcceptFraction = initialAcceptFraction
        random = RandomSource(seed: seed)
        heap.reserveCapacity(capacity)
    }

    public var count: Int { heap.count }
    /// The sequence indexes of the points in the sample (in heap order).
    public var sampledSequenceIndexes: [Int64] { heap.map(\.sequence) }
    public var isFull: Bool { heap.count == capacity }

    /// The outcome of offering a point: rejected, accepted into free room, or accepted in
    /// place of an evicted point.
    public enum Decision: Equatable, Sendable {
        case rejected
        case accepted(weight: Float)
        case acceptedEvicting(weight: Float, evicted: Int32)
    }

    /// Decides on the point of `sequenceIndex` (does not add it yet: the tree first tells
    /// which stored point it actually keeps, since duplicates share a leaf). Sequence
    /// indexes must grow from one offer to the next.
    public mutating func offer(sequenceIndex: Int64) -> Decision {
        if isFull {
            // An index passed over without an offer cannot come in: draw again from here
            // (offers are independent, so this is the same distribution).
            if nextAcceptance < sequenceIndex { nextAcceptance = drawAcceptance(from: sequenceIndex) }
            guard sequenceIndex == nextAcceptance else { return .rejected }
            return .acceptedEvicting(weight: acceptedWeight(sequenceIndex), evicted: heap[0].point)
        }
        var u = 0.0
        while u == 0 { u = random.uniform() }
        let weight = Float(-Double(sequenceIndex) * timeDecay + log(-log(u)))
        let fraction: Double
        if Double(count) < initialAcceptFraction * Double(capacity) {
            fraction = 1
        } else if initialAcceptFraction >= 1 {
            fraction = 0
        } else {
            fraction = 1 - (Double(count) / Double(capacity) - initialAcceptFraction) / (1 - initialAcceptFraction)
        }
        if random.uniform() < fraction { return .accepted(weight: weight) }
        guard let top = heap.first?.weight, weight < top else { return .rejected }
        return .acceptedEvicting(weight: weight, evicted: heap[0].point)
    }

    /// The first index b >= a whose point comes in while the heaviest weight is `top`.
    /// Index t comes in when its weight -λt + log E (E exponential) is below top, that is
    /// when E < c(t) = exp(top + λt); no index of a...b does with probability
    /// exp(-Σ c(t)), a geometric sum. So b is the first index at which Σ c(t) reaches an
    /// exponential draw V.
    private mutating func drawAcceptance(from a: Int64) -> Int64 {
        var u = 0.0
        while u == 0 { u = random.uniform() }
        let v = -log(u)
        let top = Double(heap[0].weight)
        let steps: Double
        if timeDecay > 0 {
            // Σ_{t=a}^{a+n-1} exp(top + λt) = exp(top + λa) · expm1(λn) / expm1(λ) >= v.
            steps = (log1p(v * exp(-top - timeDecay * Double(a)) * expm1(timeDecay)) / timeDecay).rounded(.up)
        } else {
            steps = (v * exp(-top)).rounded(.up)
        }
        guard steps.isFinite, steps < 1e15 else { return Int64.max }
        return a + max(Int64(steps), 1) - 1
    }

    /// The weight of a point known to come in at index t: log E - λt with E exponential
    /// conditioned on E < c = exp(top + λt), by inverting its distribution function.
    private mutating func acceptedWeight(_ t: Int64) -> Float {
        let c = exp(Double(heap[0].weight) + timeDecay * Double(t))
        var w = 0.0
        while w == 0 { w = random.uniform() }
        let e = -log1p(w * expm1(-c))
        return Float(log(max(e, .leastNonzeroMagnitude)) - timeDecay * Double(t))
    }

    /// Records an accepted point, evicting the heaviest one first when the offer said so.
    public mutating func add(_ decision: Decision, pointIndex: Int32, sequenceIndex: Int64) {
        switch decision {
        case .rejected: return
        case .accepted(let weight):
            push(weight, pointIndex, sequenceIndex)
        case .acceptedEvicting(let weight, _):
            replaceTop(weight, pointIndex, sequenceIndex)
        }
        // The heaviest weight changed (or the sample just filled): draw the next acceptance anew.
        nextAcceptance = -1
    }

    /// Puts an entry in place of the heaviest one and moves it down to its place.
    private mutating func replaceTop(_ weight: Float, _ point: Int32, _ sequence: Int64) {
        let entry = Entry(weight: weight, point: point, sequence: sequence)
        heap.withUnsafeMutableBufferPointer { heap in
            var hole = 0
            while true {
                let left = 2 &* hole &+ 1, right = left &+ 1
                guard left < heap.count else { break }
                let child = right < heap.count && heap[right].weight > heap[left].weight ? right : left
                guard heap[child].weight > weight else { break }
                heap[hole] = heap[child]
                hole = child
            }
            heap[hole] = entry
        }
    }

    /// Appends an entry and moves it up to its place.
    private mutating func push(_ weight: Float, _ point: Int32, _ sequence: Int64) {
        heap.append(Entry(weight: weight, point: point, sequence: sequence))
        heap.withUnsafeMutableBufferPointer { heap in
            let entry = heap[heap.count - 1]
            var hole = heap.count - 1
            while hole > 0 {
                let parent = (hole &- 1) / 2
                guard weight > heap[parent].weight else { break }
                heap[hole] = heap[parent]
                hole = parent
            }
            heap[hole] = entry
        }
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(UInt32(capacity))
        writer.write(timeDecay)
        writer.write(initialAcceptFraction)
        writer.write(floats: heap.map(\.weight))
        writer.write(array: heap.map(\.point))
        writer.write(array: heap.map(\.sequence))
        writer.write(array: random.stateWords)
        writer.write(nextAcceptance)
    }

    /// Reads `encode`'s form; forest state version 2 predates `nextAcceptance` (drawn
    /// afresh at the next offer then).
    init(from reader: inout BinaryReader, version: UInt16) throws(BinaryReader.Failure) {
        capacity = Int(try reader.read(UInt32.self))
        timeDecay = try reader.readDouble()
        initialAcceptFraction = try reader.readDouble()
        let weights = try reader.readFloats()
        let points: [Int32] = try reader.readArray()
        let sequences: [Int64] = try reader.readArray()
        let words: [UInt64] = try reader.readArray()
        guard capacity > 0, weights.count <= capacity, points.count == weights.count, sequences.count == weights.count,
              words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw reader.error("inconsistent sampler state")
        }
        heap = (0..<weights.count).map { Entry(weight: weights[$0], point: points[$0], sequence: sequences[$0]) }
        random = RandomSource(stateWords: words)
        nextAcceptance = version >= 3 ? try reader.read() : -1
    }
}

import Foundation
import WeirAlgorithm
import WeirMath

/// Centres that learn one mini-batch or one record at a time (Sculley's web-scale k-means):
/// a point moves its closest centre towards it by 1 / (the centre's count). With a half
/// life of h points every count decays by 0.5^(1/h) per point seen, so old points weigh
/// less and the centres follow a drifting stream. The training stage and the stream
/// operator's per-key state are this same rule.
public struct OnlineCentres: Sendable, Equatable {
    public let dimension: Int
    public private(set) var centres: [Float]
    /// Each centre's (decayed) weight of points.
    public private(set) var counts: [Double]
    public let halfLife: Int

    public init(centres: [Float], counts: [Double], dimension: Int, halfLife: Int) {
        precondition(centres.count == counts.count * dimension, "centres and counts disagree")
        self.centres = centres
        self.counts = counts
        self.dimension = dimension
        self.halfLife = halfLife
    }

    public var count: Int { counts.count }

    /// The decay factor of `points` points (1 without a half life).
    func decay(points: Int) -> Double {
        halfLife > 0 ? pow(0.5, Double(points) / Double(halfLife)) : 1
    }

    /// Assigns the batch to the current centres, then moves each row's centre towards it.
    /// Returns the batch's summed squared distance before the move.
    @discardableResult
    public mutating func learn(_ batch: FeatureBatch<Float>) -> Double {
        let index = CentreIndex(centres: centres, count: count, dimension: dimension)
        let (closest, distances) = index.assign(batch)
        let factor = decay(points: batch.count)
        if factor < 1 { for centre in counts.indices { counts[centre] *= factor } }
        var row = [Float](repeating: 0, count: dimension)
        for position in 0..<batch.count {
            let centre = closest[position]
            for column in 0..<dimension { row[column] = 0 }
            batch.forEachEntry(ofRow: position) { column, value in row[column] = value }
            move(centre, towards: row)
        }
        return distances.reduce(0, +)
    }

    /// One record in a stream: its closest centre and squared distance before it moved.
    public mutating func learn(_ vector: [Float]) -> (centre: Int, squaredDistance: Double) {
        let found = CentreIndex.closest(to: vector, centres: centres, count: count, dimension: dimension)
        let factor = decay(points: 1)
        if factor < 1 { for centre in counts.indices { counts[centre] *= factor } }
        move(found.centre, towards: vector)
        return found
    }

    mutating func move(_ centre: Int, towards row: [Float]) {
        counts[centre] += 1
        let rate = Float(1 / counts[centre])
        let base = centre * dimension
        for column in 0..<dimension { centres[base + column] += rate * (row[column] - centres[base + column]) }
    }
}

import Foundation
import Testing
import WeirMath
import WeirRCF

/// The sampler draws the index of its next acceptance instead of a weight per point; these
/// tests hold it against the plain algorithm (a weight per point, keep the lightest).
struct ReservoirSamplerTests {
    /// Plain time-decayed reservoir: every point gets -λt + log(-log u); the `capacity`
    /// lightest stay. Returns the accepted count after the sample filled and the sample's
    /// sequence indexes.
    func plainSample(capacity: Int, decay: Double, points: Int, seed: UInt64) -> (accepted: Int, sample: [Int64]) {
        var random = RandomSource(seed: seed)
        var kept: [(weight: Double, index: Int64)] = []
        var accepted = 0
        for t in 0..<Int64(points) {
            var u = 0.0
            while u == 0 { u = random.uniform() }
            let weight = -Double(t) * decay + log(-log(u))
            if kept.count < capacity {
                kept.append((weight, t))
                continue
            }
            let heaviest = kept.indices.max { kept[$0].weight < kept[$1].weight }!
            if weight < kept[heaviest].weight {
                kept[heaviest] = (weight, t)
                accepted += 1
            }
        }
        return (accepted, kept.map(\.index))
    }

    /// Weir's sampler over the same stream (every point offered; initial fraction 1, so it
    /// fills with the first `capacity` points as the plain one does).
    func weirSample(capacity: Int, decay: Double, points: Int, seed: UInt64) -> (accepted: Int, sample: [Int64]) {
        var sampler = ReservoirSampler(capacity: capacity, timeDecay: decay, initialAcceptFraction: 1, seed: seed)
        var accepted = 0
        for t in 0..<Int64(points) {
            let wasFull = sampler.isFull
            let decision = sampler.offer(sequenceIndex: t)
            if decision != .rejected && wasFull { accepted += 1 }
            sampler.add(decision, pointIndex: Int32(t % 1_000), sequenceIndex: t)
        }
        return (accepted, sampler.sampledSequenceIndexes)
    }

    @Test(arguments: [1.0 / 640, 1.0 / 64, 0])
    func skippingToTheNextAcceptanceSamplesAsWeighingEveryPointDoes(decay: Double) {
        let runs = 40, capacity = 64, points = 8_000
        var plainAccepted = 0.0, weirAccepted = 0.0, plainAge = 0.0, weirAge = 0.0
        for run in 0..<runs {
            let plain = plainSample(capacity: capacity, decay: decay, points: points, seed: UInt64(run))
            let weir = weirSample(capacity: capacity, decay: decay, points: points, seed: UInt64(1_000 + run))
            #expect(weir.sample.count == capacity && Set(weir.sample).count == capacity)
            plainAccepted += Double(plain.accepted)
            weirAccepted += Double(weir.accepted)
            plainAge += plain.sample.reduce(0.0) { $0 + Double(points) - Double($1) } / Double(capacity)
            weirAge += weir.sample.reduce(0.0) { $0 + Double(points) - Double($1) } / Double(capacity)
        }
        // Means over 40 runs: their relative standard errors are about 1-2%.
        #expect(abs(weirAccepted / plainAccepted - 1) < 0.06, "accepted \(weirAccepted / Double(runs)) vs \(plainAccepted / Double(runs))")
        #expect(abs(weirAge / plainAge - 1) < 0.08, "mean age \(weirAge / Double(runs)) vs \(plainAge / Double(runs))")
    }

    /// An index passed over without an offer is not taken, and the sampler keeps going.
    @Test func indexesSkippedByTheCallerAreNeverAccepted() {
        var sampler = ReservoirSampler(capacity: 16, timeDecay: 0.05, initialAcceptFraction: 1, seed: 3)
        for t in stride(from: Int64(0), to: 20_000, by: 3) {
            let decision = sampler.offer(sequenceIndex: t)
            sampler.add(decision, pointIndex: 0, sequenceIndex: t)
        }
        #expect(sampler.sampledSequenceIndexes.allSatisfy { $0 % 3 == 0 })
        #expect(sampler.sampledSequenceIndexes.allSatisfy { $0 > 19_000 }, "\(sampler.sampledSequenceIndexes.sorted())")
    }
}

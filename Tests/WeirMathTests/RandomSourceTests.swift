import Foundation
import Testing
import WeirMath

struct RandomSourceTests {
    /// xoshiro256** seeded by SplitMix64: values from an independent Python transcription
    /// of the reference C code, so a seed means the same stream on every machine.
    @Test func matchesTheReferenceSequence() {
        var random = RandomSource(seed: 42)
        #expect((0..<4).map { _ in random.next() } == [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1, 0xecb8_ad47_03b3_60a1])
        var zero = RandomSource(seed: 0)
        #expect([zero.next(), zero.next()] == [0x99ec_5f36_cb75_f2b4, 0xbf6e_1f78_4956_452a])
    }

    /// Parameters come from model outputs that damaged inputs can make NaN or huge: the
    /// samplers answer NaN (or a huge count) instead of trapping.
    @Test func samplersAnswerNaNOutsideTheirDomainInsteadOfTrapping() {
        var random = RandomSource(seed: 5)
        #expect(random.studentT(degreesOfFreedom: .nan).isNaN && random.studentT(degreesOfFreedom: -1).isNaN)
        #expect(random.gamma(shape: 0, scale: 1).isNaN && random.gamma(shape: 2, scale: .infinity).isNaN)
        #expect(random.poisson(mean: -1).isNaN && random.poisson(mean: .infinity).isNaN)
        #expect(random.negativeBinomial(mean: .nan, alpha: 1).isNaN && random.negativeBinomial(mean: 1, alpha: 0).isNaN)
        let huge = random.poisson(mean: 1e300)
        #expect(huge.isFinite && Swift.abs(huge / 1e300 - 1) < 1e-6, "a Poisson count of mean 1e300 is about 1e300, got \(huge)")
    }

    @Test func stateRestoresTheExactStream() {
        var random = RandomSource(seed: 9)
        _ = random.normal()
        var copy = RandomSource(stateWords: random.stateWords)
        #expect((0..<5).map { _ in random.gamma(shape: 0.7) } == (0..<5).map { _ in copy.gamma(shape: 0.7) })
    }

    func moments(_ count: Int, _ draw: () -> Double) -> RunningMoments {
        var moments = RunningMoments()
        for _ in 0..<count { moments.add(draw()) }
        return moments
    }

    /// Sample moments against theory, with tolerances of about five standard errors.
    @Test func samplersHaveTheirTheoreticalMoments() {
        var random = RandomSource(seed: 2026)
        let n = 200_000
        func check(_ name: String, _ m: RunningMoments, mean: Double, variance: Double) {
            let meanError = (variance / Double(n)).squareRoot()
            #expect(abs(m.mean - mean) < 5 * meanError, "\(name) mean \(m.mean) vs \(mean)")
            #expect(abs(m.sampleVariance - variance) < 0.03 * variance, "\(name) variance \(m.sampleVariance) vs \(variance)")
        }
        check("uniform", moments(n) { random.uniform() }, mean: 0.5, variance: 1.0 / 12)
        check("normal", moments(n) { random.normal(mean: 3, standardDeviation: 2) }, mean: 3, variance: 4)
        check("gamma(0.4)", moments(n) { random.gamma(shape: 0.4, scale: 2) }, mean: 0.8, variance: 1.6)
        check("gamma(5)", moments(n) { random.gamma(shape: 5, scale: 0.5) }, mean: 2.5, variance: 1.25)
        check("beta(2,5)", moments(n) { random.beta(2, 5) }, mean: 2.0 / 7, variance: 10.0 / (49 * 8))
        check("student-t(6)", moments(n) { random.studentT(degreesOfFreedom: 6) }, mean: 0, variance: 1.5)
        check("poisson(3.5)", moments(n) { Double(random.poisson(mean: 3.5)) }, mean: 3.5, variance: 3.5)
        check("poisson(250)", moments(n) { Double(random.poisson(mean: 250)) }, mean: 250, variance: 250)
        check("negbin(8, 0.3)", moments(n) { Double(random.negativeBinomial(mean: 8, alpha: 0.3)) }, mean: 8, variance: 8 + 0.3 * 64)
    }

    @Test func discreteSamplersCoverTheirSupportEvenly() {
        var random = RandomSource(seed: 5)
        var counts = [0, 0, 0, 0]
        for _ in 0..<100_000 { counts[random.categorical([1, 0, 3, 6])] += 1 }
        #expect(counts[1] == 0)
        #expect(abs(Double(counts[0]) / 100_000 - 0.1) < 0.005 && abs(Double(counts[3]) / 100_000 - 0.6) < 0.005)
        var positions = Array(repeating: 0.0, count: 5)
        for _ in 0..<50_000 {
            let p = random.permutation(5)
            #expect(p.sorted() == [0, 1, 2, 3, 4])
            positions[p.firstIndex(of: 0)!] += 1
        }
        #expect(positions.allSatisfy { abs($0 / 50_000 - 0.2) < 0.01 }, "\(positions)")
        var below = Array(repeating: 0, count: 7)
        for _ in 0..<70_000 { below[random.uniformInt(below: 7)] += 1 }
        #expect(below.allSatisfy { abs($0 - 10_000) < 500 })
    }
}

import Foundation
import Testing
import WeirCore
import WeirMath
import WeirRCF

/// Behaviour of the thresholded detector on small synthetic streams.
struct ThresholdedRandomCutForestTests {
    /// A noisy sine of period 32 (amplitude 10 around 50, noise deviation 0.3).
    static func sine(_ count: Int, seed: UInt64 = 5) -> [Double] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { 50 + 10 * sin(2 * Double.pi * Double($0) / 32) + 0.3 * random.normal() }
    }

    static func detector(seed: UInt64 = 3, _ configure: (inout ThresholdedRandomCutForest.Configuration) -> Void = { _ in })
        -> ThresholdedRandomCutForest {
        var configuration = ThresholdedRandomCutForest.Configuration(inputDimensions: 1)
        configuration.seed = seed
        configure(&configuration)
        return ThresholdedRandomCutForest(configuration)
    }

    @Test func spikeIsReportedWithItsExpectedValue() {
        var values = Self.sine(2000)
        let clean = values[1500]
        values[1500] += 8
        let detector = Self.detector()
        var reports: [AnomalyDescriptor] = []
        for (index, value) in values.enumerated() {
            let result = detector.process([value], timestamp: Int64(index))
            if result.isAnomaly && index >= 1500 && index < 1504 { reports.append(result) }
        }
        let report = try! #require(reports.first)
        #expect(Int(report.index) + report.relativeIndex == 1500)
        #expect(report.pastValues == [values[1500]])
        // The forest expects the sine, not the spike: within 2 of the clean value.
        let expected = try! #require(report.expectedValues?.first)
        #expect(abs(expected - clean) < 2, "expected \(expected), clean value \(clean)")
        // The spike is above the data: the high side carries the attribution.
        #expect(report.attributionHigh[0] > report.attributionLow[0])
        #expect(report.grade > 0.5)
        // Reported once, not again while it moves through the shingle.
        #expect(reports.count == 1, "\(reports.map(\.index))")
    }

    @Test func secondAnomalyRightAfterTheFirstIsStillReported() {
        var values = Self.sine(2000)
        values[1500] += 8
        values[1502] -= 8
        let detector = Self.detector()
        var located: Set<Int64> = []
        for (index, value) in values.enumerated() {
            let result = detector.process([value], timestamp: Int64(index))
            if result.isAnomaly && index >= 1500 && index < 1508 { located.insert(result.index + Int64(result.relativeIndex)) }
        }
        #expect(located.contains(1500) && located.contains(1502), "located \(located.sorted())")
    }

    @Test func persistentShiftIsReportedAtItsStartThenQuietens() {
        var values = Self.sine(3000)
        for index in 2000..<3000 { values[index] += 6 }
        // A forest that forgets in about a sample's worth of inputs (time decay 1/256).
        let detector = Self.detector { $0.timeDecay = 1.0 / 256 }
        var reportsNearStart = 0, reportsLater = 0
        for (index, value) in values.enumerated() {
            let result = detector.process([value], timestamp: Int64(index))
            guard result.isAnomaly else { continue }
            if (2000..<2008).contains(index) { reportsNearStart += 1 } else if index >= 2100 { reportsLater += 1}
        }
        #expect(reportsNearStart >= 1)
        // Measured 0 on this build with this decay (22 with the default 1/2560, which keeps
        // the old level in the samples for thousands of inputs: the new cycle's peaks are
        // then new maxima every period).
        #expect(reportsLater <= 3, "\(reportsLater) reports long after the shift")
    }

    @Test func restoredDetectorContinuesExactlyAndEncodesIdentically() throws {
        let values = Self.sine(1500)
        let original = Self.detector { $0.transform = .normalize; $0.forestMode = .timeAugmented }
        for (index, value) in values.prefix(900).enumerated() { _ = original.process([value], timestamp: Int64(index * 10)) }
        let bytes = original.encoded()
        let restored = try ThresholdedRandomCutForest(encoded: bytes, name: "test state")
        #expect(restored.encoded() == bytes)
        for index in 900..<1500 {
            let value = index == 1200 ? values[index] + 9 : values[index]
            let a = original.process([value], timestamp: Int64(index * 10)), b = restored.process([value], timestamp: Int64(index * 10))
            #expect(a == b)
            if a != b { break }
        }
        #expect(original.encoded() == restored.encoded())
    }

    @Test func corruptStateIsRefusedWithItsName() {
        let detector = Self.detector()
        for value in Self.sine(300) { _ = detector.process([value]) }
        var bytes = detector.encoded()
        bytes[bytes.count / 2] ^= 0x40
        do {
            _ = try ThresholdedRandomCutForest(encoded: bytes, name: "snapshot 7")
            Issue.record("a corrupt state was accepted")
        } catch {
            #expect(String(describing: error).contains("snapshot 7"))
            #expect(String(describing: error).contains("checksum"))
        }
    }

    @Test func missingValuesAreFilledByTheForest() {
        let values = Self.sine(2000)
        let detector = Self.detector { $0.imputation = .forest }
        var errors: [Double] = []
        for (index, value) in values.enumerated() {
            let missing = index >= 1000 && index % 50 == 0
            let result = detector.process([missing ? .nan : value], timestamp: Int64(index))
            #expect(result.imputed == missing)
            if missing { errors.append(abs(detector.transformer.previousValues[0] - value)) }
            #expect(!(missing && result.isAnomaly), "a filled-in value was reported at \(index)")
        }
        // Against the sine's 20-point swing, the forest's fill lies within 2 on average.
        let meanError = errors.reduce(0, +) / Double(errors.count)
        #expect(meanError < 2, "mean fill error \(meanError)")
    }

    @Test func streamingImputeFillsGapsInTheTimestamps() {
        let values = Self.sine(1200)
        let detector = Self.detector { $0.forestMode = .streamingImpute; $0.imputation = .linear }
        var filled = 0
        var gapReported = false
        for (index, value) in values.enumerated() where !(700..<703).contains(index) {
            let result = detector.process([value], timestamp: Int64(index) * 60)
            filled += result.filledGaps
            if index == 703 { gapReported = result.isAnomaly }
        }
        #expect(filled == 3)
        #expect(detector.inputs == 1200)
        #expect(!gapReported)
    }

    @Test func differenceTransformReportsALevelShiftAtItsStart() {
        var values = Self.sine(2500)
        for index in 2000..<2500 { values[index] += 8 }
        let detector = Self.detector { $0.transform = .difference }
        var reports: [Int64] = []
        for (index, value) in values.enumerated() {
            let result = detector.process([value])
            if result.isAnomaly && index >= 1900 { reports.append(result.index + Int64(result.relativeIndex)) }
        }
        #expect(reports.contains(2000), "\(reports)")
        // Not reported again while the jump moves through the shingle.
        #expect(!reports.contains { (2001..<2010).contains($0) }, "\(reports)")
    }

    @Test func configurationProblemsAreNamed() {
        var configuration = ThresholdedRandomCutForest.Configuration(inputDimensions: 2)
        configuration.thresholds.zFactor = 1
        #expect(configuration.problem()?.contains("z_factor") == true)
        configuration.thresholds.zFactor = 3
        configuration.imputation = .fixed([1])
        #expect(configuration.problem()?.contains("fixed imputation needs 2") == true)
    }

    /// Displacement scoring thresholds rrcf's CoDisp scale instead of expected depth; the
    /// spike is still found, and the threshold lives in displacement units.
    @Test func displacementScoringFindsTheSpike() {
        var values = Self.sine(2000)
        values[1500] += 8
        let detector = Self.detector {
            $0.scoring = .displacement
            $0.thresholds.initialThreshold = 20
            $0.thresholds.absoluteThreshold = 5
        }
        var located: [Int64] = []
        var thresholds: [Double] = []
        for (index, value) in values.enumerated() {
            let result = detector.process([value])
            if result.ready { thresholds.append(result.threshold) }
            if result.isAnomaly && index >= 1400 { located.append(result.index + Int64(result.relativeIndex)) }
        }
        #expect(located.contains(1500), "\(located)")
        // Measured: 2 alarms from index 1400 on (the spike and one more).
        #expect(located.count <= 5, "\(located)")
        #expect(thresholds.last! >= 5, "threshold \(thresholds.last!)")
    }

    /// Timestamps anywhere in Int64, however far apart (a record's broker time can be),
    /// give results, not a trap in the gap or interval arithmetic.
    @Test(arguments: [ThresholdedRandomCutForest.ForestMode.streamingImpute, .timeAugmented, .standard])
    func extremeTimestampsNeverTrap(mode: ThresholdedRandomCutForest.ForestMode) {
        var configuration = ThresholdedRandomCutForest.Configuration(inputDimensions: 1)
        configuration.shingleSize = 2
        configuration.numberOfTrees = 5
        configuration.sampleSize = 8
        configuration.forestMode = mode
        let forest = ThresholdedRandomCutForest(configuration)
        let times: [Int64] = [0, 1_000, 2_000, 3_000, .max, .min, .max, 0, .min + 1, 4_000, 5_000]
        for (index, time) in times.enumerated() {
            let result = forest.process([Double(index % 3)], timestamp: time)
            #expect(result.score.isFinite || !result.ready)
        }
    }
}

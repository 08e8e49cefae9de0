import WeirCore

/// The distribution of a novelty score (a distance to the closest centre, a reconstruction
/// error: high = unusual) over the training data, kept as quantiles of its upper tail. It
/// turns a target false-positive rate into a threshold ("flag what only 0.1% of training
/// records exceed") and a score into the share of training records that score higher.
/// Stored as a `ScoreCalibration` of the negated scores, whose lower tail this is.
public struct NoveltyCalibration: Sendable, Equatable {
    public let negated: ScoreCalibration

    public init(negated: ScoreCalibration) {
        self.negated = negated
    }

    /// Quantiles of `scores`; nil when none is finite.
    public init?(scores: [Float]) {
        guard let calibration = ScoreCalibration(scores: scores.map { -$0 }) else { return nil }
        negated = calibration
    }

    public var sampleCount: Int { negated.sampleCount }

    /// The score that `rate` of training records exceed.
    public func threshold(falsePositiveRate rate: Double) -> Double {
        -negated.threshold(falsePositiveRate: rate)
    }

    /// The share of training records that score above `score`.
    public func trainingShareAbove(_ score: Double) -> Double {
        negated.normalShareBelow(-score)
    }
}

extension NoveltyCalibration {
    /// Writes the calibration (or its absence) in Weir's binary model formats.
    public static func write(_ calibration: NoveltyCalibration?, to writer: inout BinaryWriter) {
        guard let calibration else {
            writer.write(UInt8(0))
            return
        }
        writer.write(UInt8(1))
        writer.write(doubles: calibration.negated.quantiles)
        writer.write(UInt64(calibration.sampleCount))
    }

    /// Reads what `write(_:to:)` wrote; checks the quantiles are finite and ordered.
    public static func read(from reader: inout BinaryReader) throws -> NoveltyCalibration? {
        switch try reader.read(UInt8.self) {
        case 0: return nil
        case 1:
            let quantiles = try reader.readDoubles()
            guard quantiles.count == ScoreCalibration.probabilities.count else { throw reader.error("calibration has \(quantiles.count) quantiles") }
            guard quantiles.allSatisfy(\.isFinite), zip(quantiles, quantiles.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw reader.error("calibration quantiles are not finite and ascending")
            }
            let samples = try reader.readCount(maximum: Int(Int64.max), "calibration sample count")
            return NoveltyCalibration(negated: ScoreCalibration(quantiles: quantiles, sampleCount: samples))
        case let flag: throw reader.error("bad calibration flag \(flag)")
        }
    }
}

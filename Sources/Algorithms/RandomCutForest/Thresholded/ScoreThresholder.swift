import WeirCore

/// Turns raw forest scores into an anomaly grade with an adaptive threshold: time-discounted
/// mean and deviation of recent scores give `mean + zFactor × deviation`, never below
/// `absoluteThreshold`. Scores above the threshold enter the statistics clipped to it, so a
/// burst of anomalies does not raise the bar for the next one, while a lasting change of
/// regime still moves the threshold up slowly.
public struct ScoreThresholder: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// Deviations above the mean at which a score counts as anomalous (at least 2).
        public var zFactor = 3.0
        /// No score below this is anomalous, whatever the statistics say.
        public var absoluteThreshold = 0.8
        /// The threshold while fewer than `minimumScores` scores have been seen.
        public var initialThreshold = 1.5
        public var minimumScores = 10
        /// Discount per score of the statistics (the forest's time decay by default).
        public var decay = 1.0 / 2560
        /// The deviation is never taken below this fraction of the mean score, so a stretch
        /// of near-identical scores cannot shrink the threshold onto the mean.
        public var minimumRelativeDeviation = 0.05

        public init() {}

        /// A reason the settings cannot work, or nil.
        public func problem() -> String? {
            if !(zFactor >= 2) { return "z_factor must be at least 2, got \(zFactor)" }
            if !(absoluteThreshold >= 0) { return "absolute_threshold must be non-negative, got \(absoluteThreshold)" }
            if !(initialThreshold > 0) { return "initial_threshold must be positive, got \(initialThreshold)" }
            if minimumScores < 1 { return "minimum_scores must be at least 1, got \(minimumScores)" }
            if !(decay >= 0 && decay < 1) { return "the thresholder's decay must be in [0, 1), got \(decay)" }
            return nil
        }
    }

    public let settings: Settings
    private var weight = 0.0
    private var mean = 0.0
    private var squares = 0.0
    public private(set) var count = 0

    public init(_ settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The deviation used for thresholds and grades (floored, see `Settings`).
    public var deviation: Double {
        let variance = weight > 0 ? max(squares / weight, 0) : 0
        return max(variance.squareRoot(), settings.minimumRelativeDeviation * mean)
    }

    public var meanScore: Double { mean }

    /// The score above which a point is anomalous now.
    public var threshold: Double {
        guard count >= settings.minimumScores else { return settings.initialThreshold }
        return max(settings.absoluteThreshold, mean + settings.zFactor * deviation)
    }

    /// The grade of `score`: 0 below the threshold; above it, the score's distance from the
    /// mean in deviations over twice the z-factor, capped at 1 (so at least 0.5 at the
    /// threshold, 1 at twice its distance).
    public func grade(_ score: Double) -> Double {
        let bar = threshold
        guard score >= bar, score > 0 else { return 0 }
        guard count >= settings.minimumScores else { return min(1, 0.5 * score / bar) }
        let spread = deviation
        guard spread > 0 else { return 1 }
        return min(1, max(0.5 * score / bar, (score - mean) / (2 * settings.zFactor * spread)))
    }

    /// Adds a score to the statistics; scores above the threshold count as the threshold.
    public mutating func update(_ score: Double) {
        guard score.isFinite else { return }
        let value = count >= settings.minimumScores ? min(score, threshold) : score
        let keep = 1 - settings.decay
        weight = keep * weight + 1
        let previousMean = mean
        mean += (value - mean) / weight
        squares = keep * squares + (value - previousMean) * (value - mean)
        count += 1
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(doubles: [settings.zFactor, settings.absoluteThreshold, settings.initialThreshold, settings.decay,
                               settings.minimumRelativeDeviation, weight, mean, squares])
        writer.write(Int64(settings.minimumScores))
        writer.write(Int64(count))
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        let values = try reader.readDoubles()
        guard values.count == 8 else { throw reader.error("thresholder state holds \(values.count) numbers, expected 8") }
        var settings = Settings()
        settings.zFactor = values[0]
        settings.absoluteThreshold = values[1]
        settings.initialThreshold = values[2]
        settings.decay = values[3]
        settings.minimumRelativeDeviation = values[4]
        settings.minimumScores = Int(try reader.read(Int64.self))
        if let problem = settings.problem() { throw reader.error("invalid thresholder settings: \(problem)") }
        self.settings = settings
        weight = values[5]
        mean = values[6]
        squares = values[7]
        count = Int(try reader.read(Int64.self))
    }
}

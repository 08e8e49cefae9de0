/// What a thresholded forest says about one input.
public struct AnomalyDescriptor: Sendable, Equatable {
    /// The input's position in the stream (0 for the first input).
    public var index: Int64
    public var timestamp: Int64?
    /// The forest's raw score of the shingle this input completes (0 until ready).
    public var score: Double
    /// 0 for a normal input; in (0, 1] for an anomaly, higher for a clearer one.
    public var grade: Double
    /// The score threshold in force when the input was scored.
    public var threshold: Double
    /// Where the anomaly lies: 0 for this input, -k for the input k steps earlier that the
    /// shingle still holds (an anomaly that began before it could be seen).
    public var relativeIndex: Int = 0
    /// For an anomaly: the values the forest expected at `relativeIndex`, in input units.
    public var expectedValues: [Double]?
    /// For an anomaly: the values actually seen at `relativeIndex`.
    public var pastValues: [Double]?
    /// Per input dimension, the part of the score due to values above (`high`) and below
    /// (`low`) what the forest knows, summed over the shingle (empty until ready).
    public var attributionHigh: [Double] = []
    public var attributionLow: [Double] = []
    /// The input had missing values that were filled in before scoring.
    public var imputed = false
    /// Inputs the stream skipped (streaming-impute mode) that were filled in before this one.
    public var filledGaps = 0
    /// Whether the forest had seen enough to score.
    public var ready: Bool

    public var isAnomaly: Bool { grade > 0 }
}

/// How a novelty operator (K-Means distance, PCA reconstruction error) decides a record is
/// novel: above an absolute `threshold`, or else above the score that only
/// `false_positive_rate` of the model's training records exceed (its calibration).
public struct NoveltyThreshold: Sendable, Equatable {
    public static let settingKeys = ["false_positive_rate", "threshold"]
    public static let defaultFalsePositiveRate = 0.001

    public var falsePositiveRate = Self.defaultFalsePositiveRate
    public var absolute: Double?

    public init(falsePositiveRate: Double = Self.defaultFalsePositiveRate, absolute: Double? = nil) {
        self.falsePositiveRate = falsePositiveRate
        self.absolute = absolute
    }

    public init(_ config: OperatorConfig) throws(OperatorConfigError) {
        if let rate = try config.double("false_positive_rate") {
            guard rate > 0 && rate < 1 else { throw OperatorConfigError(key: "false_positive_rate", "expected a rate between 0 and 1, found \(rate)") }
            falsePositiveRate = rate
        }
        absolute = try config.double("threshold", in: 0...Double.greatestFiniteMagnitude)
    }

    /// The score above which a record is novel; infinity (nothing flagged) for a model
    /// without a calibration when no absolute threshold is set.
    public func threshold(_ calibration: NoveltyCalibration?) -> Double {
        if let absolute { return absolute }
        return calibration?.threshold(falsePositiveRate: falsePositiveRate) ?? .infinity
    }
}

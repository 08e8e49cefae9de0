/// Learning-rate schedules: a fixed step decay, or reduce-on-plateau as GluonTS's trainer
/// does (halve the rate after `patience` epochs without improvement, down to a floor).
public struct LearningRateSchedule: Sendable {
    public enum Kind: Sendable {
        /// lr = initial × factor^(epoch / every).
        case step(every: Int, factor: Double)
        /// lr × factor after `patience` epochs without the loss improving by `threshold`.
        case plateau(patience: Int, factor: Double, minimum: Double, threshold: Double)
    }

    public let kind: Kind
    public let initial: Double
    public private(set) var current: Double
    private var epoch = 0
    private var best = Double.infinity
    private var epochsSinceBest = 0

    public init(_ kind: Kind, initial: Double) {
        self.kind = kind
        self.initial = initial
        current = initial
    }

    /// Records the end of an epoch with its (validation or training) loss; returns the rate
    /// for the next epoch.
    @discardableResult
    public mutating func epochEnded(loss: Double) -> Double {
        epoch += 1
        switch kind {
        case .step(let every, let factor):
            current = initial * Double.pow(factor, Double(epoch / max(every, 1)))
        case .plateau(let patience, let factor, let minimum, let threshold):
            if loss < best - threshold * Swift.abs(best == .infinity ? 0 : best) {
                best = loss
                epochsSinceBest = 0
            } else {
                epochsSinceBest += 1
                if epochsSinceBest > patience {
                    current = max(current * factor, minimum)
                    epochsSinceBest = 0
                }
            }
        }
        return current
    }
}

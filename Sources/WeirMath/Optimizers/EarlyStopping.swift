/// Stops training when the monitored loss has not improved for `patience` epochs and
/// remembers the best epoch, so the caller can keep that epoch's parameters (SageMaker's
/// `early_stopping_patience` / `early_stopping_tolerance`).
public struct EarlyStopping: Sendable {
    public let patience: Int
    /// Relative improvement below which an epoch does not count as better.
    public let tolerance: Double
    public private(set) var bestLoss = Double.infinity
    public private(set) var bestEpoch = -1
    private var epoch = -1

    public init(patience: Int, tolerance: Double = 0) {
        self.patience = patience
        self.tolerance = tolerance
    }

    /// Records an epoch's loss; true when this epoch is the new best (save parameters).
    @discardableResult
    public mutating func record(loss: Double) -> Bool {
        epoch += 1
        let improved = bestLoss == .infinity ? loss.isFinite : loss < bestLoss - tolerance * Swift.abs(bestLoss)
        if improved {
            bestLoss = loss
            bestEpoch = epoch
        }
        return improved
    }

    /// True once `patience` epochs passed without a new best.
    public var shouldStop: Bool { epoch - bestEpoch >= patience && epoch >= 0 }
}

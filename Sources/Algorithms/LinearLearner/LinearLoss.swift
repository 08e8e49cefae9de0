import Foundation

/// One of Linear Learner's losses over a model's output score and a record's label, with
/// its derivative in the score. Regression losses see labels on the training scale, so
/// their widths (`huber_delta`, `loss_insensitivity`) arrive divided by the label's scale.
struct LinearLoss: Sendable {
    typealias Kind = LinearLearnerHyperparameters.Loss
    let kind: Kind
    let margin: Float
    let quantile: Float
    let epsilon: Float
    let delta: Float

    init(kind: Kind, margin: Double = 1, quantile: Double = 0.5, epsilon: Double = 0.01, delta: Double = 1) {
        self.kind = kind
        self.margin = Float(margin)
        self.quantile = Float(quantile)
        self.epsilon = Float(epsilon)
        self.delta = Float(delta)
    }

    /// Outputs per model: one score per class for softmax, else one.
    var isSoftmax: Bool { kind == .softmax }

    /// The loss and its derivative for one score (every kind but softmax).
    @inline(__always)
    func evaluate(score s: Float, label y: Float) -> (loss: Float, gradient: Float) {
        switch kind {
        case .logistic:
            // softplus(s) - y s without overflow, and the sigmoid, from one exponential.
            let e = expf(-abs(s))
            let loss = max(s, 0) + Self.log1pUnit(e) - y * s
            let sigmoid = s >= 0 ? 1 / (1 + e) : e / (1 + e)
            return (loss, sigmoid - y)
        case .hinge:
            let sign: Float = y > 0.5 ? 1 : -1
            let gap = margin - sign * s
            return gap > 0 ? (gap, -sign) : (0, 0)
        case .squared:
            let d = s - y
            return (d * d, 2 * d)
        case .absolute:
            let d = s - y
            return (abs(d), d > 0 ? 1 : (d < 0 ? -1 : 0))
        case .epsilonInsensitiveSquared:
            let d = s - y, excess = abs(d) - epsilon
            guard excess > 0 else { return (0, 0) }
            return (excess * excess, d > 0 ? 2 * excess : -2 * excess)
        case .epsilonInsensitiveAbsolute:
            let d = s - y, excess = abs(d) - epsilon
            guard excess > 0 else { return (0, 0) }
            return (excess, d > 0 ? 1 : -1)
        case .quantile:
            let d = y - s
            return d >= 0 ? (quantile * d, -quantile) : ((quantile - 1) * d, 1 - quantile)
        case .huber:
            let d = s - y
            if abs(d) <= delta { return (0.5 * d * d, d) }
            return (delta * (abs(d) - 0.5 * delta), d > 0 ? delta : -delta)
        case .softmax, .auto:
            return (0, 0)
        }
    }

    /// Cross-entropy over `count` class scores at `scores`, writing p - onehot(label) into
    /// `gradient` (times `weight`); returns the loss.
    @inline(__always)
    static func softmax(_ scores: UnsafePointer<Float>, count: Int, label: Int, weight: Float, gradient: UnsafeMutablePointer<Float>?) -> Float {
        var top = scores[0]
        for c in 1..<count where scores[c] > top { top = scores[c] }
        var total: Float = 0
        for c in 0..<count { total += expf(scores[c] - top) }
        let logTotal = logf(total)
        // Computed before the gradient, which may overwrite the scores in place.
        let loss = logTotal + top - scores[label]
        if let gradient {
            for c in 0..<count { gradient[c] = weight * expf(scores[c] - top - logTotal) }
            gradient[label] -= weight
        }
        return loss
    }

    @inline(__always)
    static func sigmoid(_ s: Float) -> Float {
        s >= 0 ? 1 / (1 + expf(-s)) : expf(s) / (1 + expf(s))
    }

    /// log(1 + x) for x in [0, 1] to within 1e-7 relative, as 2 atanh(x / (2 + x)) by its
    /// odd series (z <= 1/3): several times cheaper than the library call in the hot loop.
    @inline(__always)
    static func log1pUnit(_ x: Float) -> Float {
        let z = x / (2 + x), z2 = z * z
        let series: Float = 1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9 + z2 * (1 / 11 + z2 * (1 / 13))))))
        return 2 * z * series
    }
}

/// Gradient clipping before an optimizer step.
public enum GradientClipping {
    /// The L2 norm of all gradients together.
    public static func globalNorm<Scalar>(_ gradients: [Gradient<Scalar>]) -> Double {
        var total = 0.0
        for gradient in gradients {
            switch gradient.coalesced() {
            case .dense(let tensor): total += tensor.scalars.reduce(0) { $0 + Double($1) * Double($1) }
            case .sparseRows(_, let values, _): total += values.scalars.reduce(0) { $0 + Double($1) * Double($1) }
            }
        }
        return total.squareRoot()
    }

    /// Scales all gradients down together so their global norm is at most `maximum`
    /// (directions kept); returns them unchanged when already within it.
    public static func clipByGlobalNorm<Scalar>(_ gradients: [Gradient<Scalar>], maximum: Double) -> [Gradient<Scalar>] {
        let norm = globalNorm(gradients)
        guard norm > maximum, norm > 0 else { return gradients }
        let factor = Scalar(maximum / norm)
        return gradients.map { gradient in
            switch gradient {
            case .dense(let tensor): return .dense(tensor * factor)
            case .sparseRows(let indices, let values, let shape): return .sparseRows(indices: indices, values: values * factor, shape: shape)
            }
        }
    }

    /// Clamps every gradient element to ±`limit` (MXNet's `clip_gradient`, used by GluonTS).
    public static func clipByValue<Scalar>(_ gradients: [Gradient<Scalar>], limit: Double) -> [Gradient<Scalar>] {
        let range = Scalar(-limit)...Scalar(limit)
        return gradients.map { gradient in
            switch gradient {
            case .dense(let tensor): return .dense(tensor.clamped(to: range))
            case .sparseRows(let indices, let values, let shape):
                return .sparseRows(indices: indices, values: values.clamped(to: range), shape: shape)
            }
        }
    }
}

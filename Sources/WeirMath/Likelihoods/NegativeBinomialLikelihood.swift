/// Negative binomial for counts with mean μ > 0 and dispersion α > 0 (variance μ + αμ²),
/// DeepAR's choice for count series.
public struct NegativeBinomialLikelihood<Scalar: TensorScalar>: Likelihood {
    public let mu: Variable<Scalar>
    public let alpha: Variable<Scalar>

    public init(mu: Variable<Scalar>, alpha: Variable<Scalar>) {
        self.mu = mu
        self.alpha = alpha
    }

    /// log P(k) = lgamma(k + 1/α) - lgamma(k + 1) - lgamma(1/α) + k log(αμ / (1 + αμ)) - log(1 + αμ) / α.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func logProbability(_ observation: Tensor<Scalar>) -> Variable<Scalar> {
        let k = mu.tape.constant(observation)
        let r = 1 / alpha
        let alphaMu = alpha * mu
        return (k + r).lgamma() - mu.tape.constant((observation + 1).applying(.lgamma)) - r.lgamma()
            + k * (alphaMu.log() - alphaMu.log1p()) - r * alphaMu.log1p()
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func sample(random: inout RandomSource) -> Tensor<Scalar> {
        let shape = Tensor<Scalar>.broadcastShape(mu.shape, alpha.shape)
        let m = mu.value.broadcast(to: shape).scalars, a = alpha.value.broadcast(to: shape).scalars
        return .sampled(shape) { random.negativeBinomial(mean: Double(m[$0]), alpha: Double(a[$0])) }
    }

    public var mean: Tensor<Scalar> { mu.value }
    public var variance: Tensor<Scalar> { mu.value + alpha.value * mu.value.squared() }
}

/// Normal(μ, σ) with σ > 0.
public struct GaussianLikelihood<Scalar: TensorScalar>: Likelihood {
    public let mu: Variable<Scalar>
    public let sigma: Variable<Scalar>

    public init(mu: Variable<Scalar>, sigma: Variable<Scalar>) {
        self.mu = mu
        self.sigma = sigma
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func logProbability(_ observation: Tensor<Scalar>) -> Variable<Scalar> {
        let z = (mu.tape.constant(observation) - mu) / sigma
        return z.squared() * Scalar(-0.5) - sigma.log() - Scalar(0.5 * Double.log(2 * Double.pi))
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func sample(random: inout RandomSource) -> Tensor<Scalar> {
        let shape = Tensor<Scalar>.broadcastShape(mu.shape, sigma.shape)
        let m = mu.value.broadcast(to: shape).scalars, s = sigma.value.broadcast(to: shape).scalars
        return .sampled(shape) { random.normal(mean: Double(m[$0]), standardDeviation: Double(s[$0])) }
    }

    public var mean: Tensor<Scalar> { mu.value }
    public var variance: Tensor<Scalar> { sigma.value.squared() }
}

/// Student's t with location μ, scale σ > 0 and ν > 0 degrees of freedom (DeepAR's
/// default output distribution).
public struct StudentTLikelihood<Scalar: TensorScalar>: Likelihood {
    public let mu: Variable<Scalar>
    public let sigma: Variable<Scalar>
    public let nu: Variable<Scalar>

    public init(mu: Variable<Scalar>, sigma: Variable<Scalar>, nu: Variable<Scalar>) {
        self.mu = mu
        self.sigma = sigma
        self.nu = nu
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func logProbability(_ observation: Tensor<Scalar>) -> Variable<Scalar> {
        let z = (mu.tape.constant(observation) - mu) / sigma
        let halfNuPlusOne = (nu + 1) * Scalar(0.5)
        return halfNuPlusOne.lgamma() - (nu * Scalar(0.5)).lgamma() - (nu * Scalar(Double.pi)).log() * Scalar(0.5)
            - sigma.log() - halfNuPlusOne * (z.squared() / nu).log1p()
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func sample(random: inout RandomSource) -> Tensor<Scalar> {
        let shape = Tensor<Scalar>.broadcastShape(Tensor<Scalar>.broadcastShape(mu.shape, sigma.shape), nu.shape)
        let m = mu.value.broadcast(to: shape).scalars, s = sigma.value.broadcast(to: shape).scalars
        let n = nu.value.broadcast(to: shape).scalars
        return .sampled(shape) { random.studentT(degreesOfFreedom: Double(n[$0]), location: Double(m[$0]), scale: Double(s[$0])) }
    }

    public var mean: Tensor<Scalar> { Tensor.zip(mu.value, nu.value) { $1 > 1 ? $0 : .nan } }
    public var variance: Tensor<Scalar> {
        Tensor.zip(sigma.value.squared(), nu.value) { $1 > 2 ? $0 * $1 / ($1 - 2) : .infinity }
    }
}

/// Beta(a, b) on (0, 1) with a, b > 0, for rates and proportions.
public struct BetaLikelihood<Scalar: TensorScalar>: Likelihood {
    public let a: Variable<Scalar>
    public let b: Variable<Scalar>

    public init(a: Variable<Scalar>, b: Variable<Scalar>) {
        self.a = a
        self.b = b
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func logProbability(_ observation: Tensor<Scalar>) -> Variable<Scalar> {
        let logX = a.tape.constant(observation.log())
        let logOneMinusX = a.tape.constant((1 - observation).log())
        return (a - 1) * logX + (b - 1) * logOneMinusX - a.lgamma() - b.lgamma() + (a + b).lgamma()
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func sample(random: inout RandomSource) -> Tensor<Scalar> {
        let shape = Tensor<Scalar>.broadcastShape(a.shape, b.shape)
        let x = a.value.broadcast(to: shape).scalars, y = b.value.broadcast(to: shape).scalars
        return .sampled(shape) { random.beta(Double(x[$0]), Double(y[$0])) }
    }

    public var mean: Tensor<Scalar> { a.value / (a.value + b.value) }
    public var variance: Tensor<Scalar> {
        let total = a.value + b.value
        return a.value * b.value / (total.squared() * (total + 1))
    }
}

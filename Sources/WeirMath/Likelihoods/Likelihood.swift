/// A parametric distribution whose parameters are variables: its log-density is
/// differentiable in them (the training objective of probabilistic forecasters such as
/// DeepAR), and it can draw samples for forecast paths.
public protocol Likelihood {
    associatedtype Scalar: TensorScalar
    /// The log-density (or log-mass) of each observation, elementwise.
    func logProbability(_ observation: Tensor<Scalar>) -> Variable<Scalar>
    /// One draw per element of the parameter tensors.
    func sample(random: inout RandomSource) -> Tensor<Scalar>
    var mean: Tensor<Scalar> { get }
    var variance: Tensor<Scalar> { get }
}

extension Likelihood {
    /// The mean negative log-likelihood of `observation`: the loss to minimise.
    public func negativeLogLikelihood(_ observation: Tensor<Scalar>) -> Variable<Scalar> {
        -logProbability(observation).mean()
    }
}

extension Tensor {
    /// `draw` applied elementwise over parameters of one shape.
    static func sampled(_ shape: [Int], _ draw: (Int) -> Double) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Scalar(draw($0)) })
    }
}

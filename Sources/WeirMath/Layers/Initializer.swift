/// How a layer's weights start: the schemes MXNet and PyTorch models use, so that models
/// ported from SageMaker's algorithms train from the same kind of starting point.
public enum Initializer: Sendable {
    case zeros
    case constant(Double)
    /// Uniform on ±sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio).
    case xavierUniform
    /// Normal with standard deviation sqrt(2 / fanIn) (He et al.), for ReLU layers.
    case heNormal
    case uniform(Double)
    case normal(standardDeviation: Double)

    public func make<Scalar: TensorScalar>(_ shape: [Int], fanIn: Int, fanOut: Int, random: inout RandomSource) -> Tensor<Scalar> {
        switch self {
        case .zeros: return .zeros(shape)
        case .constant(let value): return Tensor(shape: shape, repeating: Scalar(value))
        case .xavierUniform:
            let limit = (6.0 / Double(max(fanIn + fanOut, 1))).squareRoot()
            return random.uniformTensor(shape, in: -limit..<limit)
        case .heNormal:
            return random.normalTensor(shape, standardDeviation: (2.0 / Double(max(fanIn, 1))).squareRoot())
        case .uniform(let limit):
            return random.uniformTensor(shape, in: -limit..<limit)
        case .normal(let deviation):
            return random.normalTensor(shape, standardDeviation: deviation)
        }
    }
}

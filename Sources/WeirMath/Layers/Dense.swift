/// A fully connected layer y = activation(x W + b) over the last axis of x.
public struct Dense: Sendable {
    public enum Activation: Sendable { case identity, relu, tanh, sigmoid, softplus }

    public let weight: ParameterKey
    public let bias: ParameterKey?
    public let activation: Activation
    public let inputSize: Int
    public let outputSize: Int

    public init<Scalar: TensorScalar>(_ name: String, inputSize: Int, outputSize: Int, activation: Activation = .identity,
                                      useBias: Bool = true, initializer: Initializer = .xavierUniform,
                                      store: ParameterStore<Scalar>, random: inout RandomSource) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.activation = activation
        let initial: Tensor<Scalar> = initializer.make([inputSize, outputSize], fanIn: inputSize, fanOut: outputSize, random: &random)
        weight = store.register("\(name).weight", initial)
        bias = useBias ? store.register("\(name).bias", Tensor<Scalar>.zeros([outputSize])) : nil
    }

    /// Applies the layer to x of shape [..., inputSize].
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction<Scalar>(_ x: Variable<Scalar>, _ parameters: BoundParameters<Scalar>) -> Variable<Scalar> {
        precondition(x.shape.last == inputSize, "dense layer expects last dimension \(inputSize), got \(x.shape)")
        let leading = Array(x.shape.dropLast())
        var y = matmul(x.reshaped([-1, inputSize]), parameters[weight])
        if let bias { y = y + parameters[bias] }
        y = y.reshaped(leading + [outputSize])
        switch activation {
        case .identity: return y
        case .relu: return y.relu()
        case .tanh: return y.tanh()
        case .sigmoid: return y.sigmoid()
        case .softplus: return y.softplus()
        }
    }
}

/// A 2-D convolution over [batch, channels, height, width] computed as im2col + GEMM.
public struct Conv2D: Sendable {
    public let kernel: ParameterKey
    public let bias: ParameterKey
    public let inputChannels: Int
    public let outputChannels: Int
    public let window: SlidingWindow

    public init<Scalar: TensorScalar>(_ name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
                                      padding: Int = 0, store: ParameterStore<Scalar>, random: inout RandomSource) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        window = .init(kernel: kernelSize, stride: stride, padding: padding)
        let patch = inputChannels * kernelSize * kernelSize
        let initial: Tensor<Scalar> = Initializer.heNormal.make([patch, outputChannels], fanIn: patch, fanOut: outputChannels, random: &random)
        kernel = store.register("\(name).kernel", initial)
        bias = store.register("\(name).bias", Tensor<Scalar>.zeros([outputChannels]))
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction<Scalar>(_ x: Variable<Scalar>, _ parameters: BoundParameters<Scalar>) -> Variable<Scalar> {
        precondition(x.shape.count == 4 && x.shape[1] == inputChannels,
                     "conv2d expects [batch, \(inputChannels), height, width], got \(x.shape)")
        let (oh, ow) = window.outputSize(height: x.shape[2], width: x.shape[3])
        let columns = x.im2col(window)
        let product = matmul(columns, parameters[kernel]) + parameters[bias]
        return product.reshaped([x.shape[0], oh, ow, outputChannels]).permuted([0, 3, 1, 2])
    }
}

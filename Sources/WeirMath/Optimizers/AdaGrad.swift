/// AdaGrad: per-element steps shrink with the sum of squared gradients seen so far (the
/// usual choice for sparse embeddings).
public struct AdaGrad<Scalar: TensorScalar>: Optimizer {
    public var learningRate: Double
    public var epsilon: Double
    public var weightDecay: Double
    private var accumulated: [[Scalar]] = []

    public init(learningRate: Double = 0.01, epsilon: Double = 1e-10, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func step(_ store: ParameterStore<Scalar>, _ gradients: [Gradient<Scalar>]) {
        for key in store.keys {
            var values = store[key].scalars
            OptimizerSupport.slot(&accumulated, key.index, count: values.count)
            let (lr, eps, decay) = (Scalar(learningRate), Scalar(epsilon), Scalar(weightDecay))
            OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                let g = raw + decay * values[offset]
                accumulated[key.index][offset] += g * g
                values[offset] -= lr * g / (accumulated[key.index][offset].squareRoot() + eps)
            }
            store[key] = Tensor(shape: store[key].shape, scalars: values)
        }
    }
}

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
        let (lr, eps, decay) = (Scalar(learningRate), Scalar(epsilon), Scalar(weightDecay))
        for key in store.keys {
            OptimizerSupport.slot(&accumulated, key.index, count: store[key].count)
            store.update(key) { w in
                accumulated[key.index].withUnsafeMutableBufferPointer { sum in
                    OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                        let g = raw + decay * w[offset]
                        sum[offset] += g * g
                        w[offset] -= lr * g / (sum[offset].squareRoot() + eps)
                    }
                }
            }
        }
    }
}

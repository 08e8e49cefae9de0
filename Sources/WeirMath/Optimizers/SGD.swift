/// Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay.
public struct SGD<Scalar: TensorScalar>: Optimizer {
    public var learningRate: Double
    public var momentum: Double
    public var nesterov: Bool
    public var weightDecay: Double
    private var velocity: [[Scalar]] = []

    public init(learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func step(_ store: ParameterStore<Scalar>, _ gradients: [Gradient<Scalar>]) {
        let (lr, mu, decay) = (Scalar(learningRate), Scalar(momentum), Scalar(weightDecay))
        for key in store.keys {
            OptimizerSupport.slot(&velocity, key.index, count: mu != 0 ? store[key].count : 0)
            store.update(key) { w in
                velocity[key.index].withUnsafeMutableBufferPointer { v in
                    OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                        let g = raw + decay * w[offset]
                        guard mu != 0 else {
                            w[offset] -= lr * g
                            return
                        }
                        v[offset] = mu * v[offset] + g
                        w[offset] -= lr * (nesterov ? g + mu * v[offset] : v[offset])
                    }
                }
            }
        }
    }
}

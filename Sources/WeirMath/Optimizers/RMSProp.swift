/// RMSProp: steps scaled by a moving average of squared gradients, with optional momentum.
public struct RMSProp<Scalar: TensorScalar>: Optimizer {
    public var learningRate: Double
    public var decay: Double
    public var momentum: Double
    public var epsilon: Double
    public var weightDecay: Double
    private var meanSquare: [[Scalar]] = []
    private var velocity: [[Scalar]] = []

    public init(learningRate: Double = 1e-3, decay: Double = 0.9, momentum: Double = 0, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.decay = decay
        self.momentum = momentum
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func step(_ store: ParameterStore<Scalar>, _ gradients: [Gradient<Scalar>]) {
        let (lr, rho, mu, eps, l2) = (Scalar(learningRate), Scalar(decay), Scalar(momentum), Scalar(epsilon), Scalar(weightDecay))
        for key in store.keys {
            let count = store[key].count
            OptimizerSupport.slot(&meanSquare, key.index, count: count)
            OptimizerSupport.slot(&velocity, key.index, count: count)
            store.update(key) { w in
                meanSquare[key.index].withUnsafeMutableBufferPointer { ms in
                    velocity[key.index].withUnsafeMutableBufferPointer { v in
                        OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                            let g = raw + l2 * w[offset]
                            ms[offset] = rho * ms[offset] + (1 - rho) * g * g
                            v[offset] = mu * v[offset] + lr * g / (ms[offset].squareRoot() + eps)
                            w[offset] -= v[offset]
                        }
                    }
                }
            }
        }
    }
}

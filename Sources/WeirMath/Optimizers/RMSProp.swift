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
        for key in store.keys {
            var values = store[key].scalars
            OptimizerSupport.slot(&meanSquare, key.index, count: values.count)
            OptimizerSupport.slot(&velocity, key.index, count: values.count)
            let (lr, rho, mu, eps, l2) = (Scalar(learningRate), Scalar(decay), Scalar(momentum), Scalar(epsilon), Scalar(weightDecay))
            OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                let g = raw + l2 * values[offset]
                meanSquare[key.index][offset] = rho * meanSquare[key.index][offset] + (1 - rho) * g * g
                let step = lr * g / (meanSquare[key.index][offset].squareRoot() + eps)
                velocity[key.index][offset] = mu * velocity[key.index][offset] + step
                values[offset] -= velocity[key.index][offset]
            }
            store[key] = Tensor(shape: store[key].shape, scalars: values)
        }
    }
}

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
        for key in store.keys {
            var values = store[key].scalars
            OptimizerSupport.slot(&velocity, key.index, count: values.count)
            let (lr, mu, decay) = (Scalar(learningRate), Scalar(momentum), Scalar(weightDecay))
            OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                let g = raw + decay * values[offset]
                guard mu != 0 else {
                    values[offset] -= lr * g
                    return
                }
                velocity[key.index][offset] = mu * velocity[key.index][offset] + g
                values[offset] -= lr * (nesterov ? g + mu * velocity[key.index][offset] : velocity[key.index][offset])
            }
            store[key] = Tensor(shape: store[key].shape, scalars: values)
        }
    }
}

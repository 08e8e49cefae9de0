/// Adadelta (Zeiler): steps scaled by the ratio of moving RMS of past updates to moving RMS
/// of gradients; `learningRate` multiplies that step (1 in the paper).
public struct Adadelta<Scalar: TensorScalar>: Optimizer {
    public var learningRate: Double
    public var rho: Double
    public var epsilon: Double
    public var weightDecay: Double
    private var squaredGradients: [[Scalar]] = []
    private var squaredUpdates: [[Scalar]] = []

    public init(learningRate: Double = 1, rho: Double = 0.9, epsilon: Double = 1e-6, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.rho = rho
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func step(_ store: ParameterStore<Scalar>, _ gradients: [Gradient<Scalar>]) {
        for key in store.keys {
            var values = store[key].scalars
            OptimizerSupport.slot(&squaredGradients, key.index, count: values.count)
            OptimizerSupport.slot(&squaredUpdates, key.index, count: values.count)
            let (lr, r, eps, l2) = (Scalar(learningRate), Scalar(rho), Scalar(epsilon), Scalar(weightDecay))
            OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                let g = raw + l2 * values[offset]
                squaredGradients[key.index][offset] = r * squaredGradients[key.index][offset] + (1 - r) * g * g
                let update = (squaredUpdates[key.index][offset] + eps).squareRoot() / (squaredGradients[key.index][offset] + eps).squareRoot() * g
                squaredUpdates[key.index][offset] = r * squaredUpdates[key.index][offset] + (1 - r) * update * update
                values[offset] -= lr * update
            }
            store[key] = Tensor(shape: store[key].shape, scalars: values)
        }
    }
}

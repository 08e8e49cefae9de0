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
        let (lr, r, eps, l2) = (Scalar(learningRate), Scalar(rho), Scalar(epsilon), Scalar(weightDecay))
        for key in store.keys {
            let count = store[key].count
            OptimizerSupport.slot(&squaredGradients, key.index, count: count)
            OptimizerSupport.slot(&squaredUpdates, key.index, count: count)
            store.update(key) { w in
                squaredGradients[key.index].withUnsafeMutableBufferPointer { sg in
                    squaredUpdates[key.index].withUnsafeMutableBufferPointer { su in
                        OptimizerSupport.forEachElement(gradients[key.index]) { offset, raw in
                            let g = raw + l2 * w[offset]
                            sg[offset] = r * sg[offset] + (1 - r) * g * g
                            let update = (su[offset] + eps).squareRoot() / (sg[offset] + eps).squareRoot() * g
                            su[offset] = r * su[offset] + (1 - r) * update * update
                            w[offset] -= lr * update
                        }
                    }
                }
            }
        }
    }
}

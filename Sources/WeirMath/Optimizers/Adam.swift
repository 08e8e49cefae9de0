/// Adam (Kingma and Ba) with bias correction; `weightDecay` is decoupled (AdamW: the
/// weights shrink by lr·λ·w each step, apart from the adaptive gradient step).
public struct Adam<Scalar: TensorScalar>: Optimizer {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double
    var first: [[Scalar]] = []
    var second: [[Scalar]] = []
    /// Steps taken, per parameter (sparse rows advance their own clock only when touched
    /// in dense mode; the bias correction uses the parameter's step count).
    var steps: [Int] = []

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func step(_ store: ParameterStore<Scalar>, _ gradients: [Gradient<Scalar>]) {
        for key in store.keys {
            let count = store[key].count
            OptimizerSupport.slot(&first, key.index, count: count)
            OptimizerSupport.slot(&second, key.index, count: count)
            while steps.count <= key.index { steps.append(0) }
            steps[key.index] += 1
            let t = Double(steps[key.index])
            let correction1 = 1 - Double.pow(beta1, t), correction2 = 1 - Double.pow(beta2, t)
            let stepSize = Scalar(learningRate * correction2.squareRoot() / correction1)
            let (b1, b2, eps) = (Scalar(beta1), Scalar(beta2), Scalar(epsilon * correction2.squareRoot()))
            let decay = Scalar(learningRate * weightDecay)
            store.update(key) { w in
                first[key.index].withUnsafeMutableBufferPointer { m in
                    second[key.index].withUnsafeMutableBufferPointer { v in
                        OptimizerSupport.forEachElement(gradients[key.index]) { offset, g in
                            m[offset] = b1 * m[offset] + (1 - b1) * g
                            v[offset] = b2 * v[offset] + (1 - b2) * g * g
                            w[offset] -= decay * w[offset]
                            w[offset] -= stepSize * m[offset] / (v[offset].squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}

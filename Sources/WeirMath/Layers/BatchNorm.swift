/// Batch normalisation over the feature axis (axis 1) of [batch, features] or
/// [batch, channels, height, width] inputs: batch statistics while training (and running
/// averages updated with `momentum`), running averages at inference.
public struct BatchNorm: Sendable {
    public let scale: ParameterKey
    public let shift: ParameterKey
    public let features: Int
    public let momentum: Double
    public let epsilon: Double
    public private(set) var runningMean: [Double]
    public private(set) var runningVariance: [Double]

    public init<Scalar: TensorScalar>(_ name: String, features: Int, momentum: Double = 0.9, epsilon: Double = 1e-5,
                                      store: ParameterStore<Scalar>) {
        self.features = features
        self.momentum = momentum
        self.epsilon = epsilon
        scale = store.register("\(name).scale", Tensor<Scalar>.ones([features]))
        shift = store.register("\(name).shift", Tensor<Scalar>.zeros([features]))
        runningMean = Array(repeating: 0, count: features)
        runningVariance = Array(repeating: 1, count: features)
    }

    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public mutating func callAsFunction<Scalar>(_ x: Variable<Scalar>, _ parameters: BoundParameters<Scalar>, training: Bool) -> Variable<Scalar> {
        precondition(x.shape.count >= 2 && x.shape[1] == features, "batch norm expects axis 1 of size \(features), got \(x.shape)")
        // Features last, everything else flattened into rows.
        let imageLike = x.shape.count == 4
        let rows = imageLike ? x.permuted([0, 2, 3, 1]).reshaped([-1, features]) : x.reshaped([-1, features])
        let normalized: Variable<Scalar>
        if training {
            let mean = rows.mean(axis: 0, keepingDimension: true)
            let centered = rows - mean
            let variance = centered.squared().mean(axis: 0, keepingDimension: true)
            normalized = centered / (variance + Scalar(epsilon)).sqrt()
            let count = Double(rows.shape[0])
            for feature in 0..<features {
                runningMean[feature] = momentum * runningMean[feature] + (1 - momentum) * Double(mean.value.scalars[feature])
                let unbiased = Double(variance.value.scalars[feature]) * count / Swift.max(count - 1, 1)
                runningVariance[feature] = momentum * runningVariance[feature] + (1 - momentum) * unbiased
            }
        } else {
            let mean = x.tape.constant(Tensor(shape: [1, features], scalars: runningMean.map { Scalar($0) }))
            let deviation = x.tape.constant(Tensor(shape: [1, features], scalars: runningVariance.map { Scalar(($0 + epsilon).squareRoot()) }))
            normalized = (rows - mean) / deviation
        }
        let output = normalized * parameters[scale] + parameters[shift]
        if imageLike {
            return output.reshaped([x.shape[0], x.shape[2], x.shape[3], features]).permuted([0, 3, 1, 2])
        }
        return output.reshaped(x.shape)
    }
}

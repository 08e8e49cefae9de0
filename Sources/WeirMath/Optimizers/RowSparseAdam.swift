/// Adam for a table of `rowCount` rows of `width` floats that updates only the rows a
/// batch touched (the "lazy" update MXNet and TensorFlow use for embedding tables):
/// untouched rows keep their weights and moments, so a step costs the touched rows, not
/// the table. Weight decay is L2, added to the gradient of the touched rows (MXNet's
/// `wd`). Dense layers are the case where every row is touched.
public struct RowSparseAdam: Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public let width: Int
    var first: [Float]
    var second: [Float]

    public init(rowCount: Int, width: Int, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.width = width
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        first = [Float](repeating: 0, count: rowCount * width)
        second = [Float](repeating: 0, count: rowCount * width)
    }

    /// One step `step` (1-based, for the bias correction) on `rows` of `parameters`; the
    /// gradient of `rows[i]` is at `gradients + i * width`. `rows == nil` updates every
    /// row in order. `decay: false` skips weight decay (biases).
    public mutating func update(_ parameters: UnsafeMutablePointer<Float>, rows: UnsafeBufferPointer<Int32>?, rowCount: Int,
                                gradients: UnsafePointer<Float>, step: Int, decay: Bool = true) {
        let t = Float(step)
        let correction1 = 1 - Float.pow(beta1, t), correction2 = 1 - Float.pow(beta2, t)
        let stepSize = learningRate * correction2.squareRoot() / correction1
        let eps = epsilon * correction2.squareRoot()
        let (b1, b2, c1, c2) = (beta1, beta2, 1 - beta1, 1 - beta2)
        let wd = decay ? weightDecay : 0
        let width = self.width
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                for index in 0..<rowCount {
                    let row = rows.map { Int($0[index]) } ?? index
                    let w = parameters + row * width
                    let g = gradients + index * width
                    let mRow = m.baseAddress! + row * width, vRow = v.baseAddress! + row * width
                    for column in 0..<width {
                        let gradient = g[column] + wd * w[column]
                        let mean = b1 * mRow[column] + c1 * gradient
                        let variance = b2 * vRow[column] + c2 * gradient * gradient
                        mRow[column] = mean
                        vRow[column] = variance
                        w[column] -= stepSize * mean / (variance.squareRoot() + eps)
                    }
                }
            }
        }
    }
}

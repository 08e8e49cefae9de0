/// Attention over a sequence: weights = softmax(score(query, key)), output = weights x value,
/// with the scaled dot product or a learned bilinear form as the score. Shapes: query
/// [batch, tq, d], key [batch, tk, d], value [batch, tk, dv]; an optional mask [batch, tq, tk]
/// (1 = attend, 0 = ignore) removes padded keys.
public struct Attention: Sendable {
    public enum Score: Sendable {
        /// q·k / sqrt(d).
        case scaledDot
        /// qᵀ W k with a learned [d, d] matrix W.
        case bilinear(ParameterKey)
    }

    public let score: Score
    public let dimension: Int

    public static func scaledDot(dimension: Int) -> Attention { Attention(score: .scaledDot, dimension: dimension) }

    public static func bilinear<Scalar: TensorScalar>(_ name: String, dimension: Int, store: ParameterStore<Scalar>,
                                                      random: inout RandomSource) -> Attention {
        let initial: Tensor<Scalar> = Initializer.xavierUniform.make([dimension, dimension], fanIn: dimension, fanOut: dimension, random: &random)
        return Attention(score: .bilinear(store.register("\(name).bilinear", initial)), dimension: dimension)
    }

    /// The attended values [batch, tq, dv] and the attention weights [batch, tq, tk].
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction<Scalar>(query: Variable<Scalar>, key: Variable<Scalar>, value: Variable<Scalar>,
                                       mask: Tensor<Scalar>? = nil, _ parameters: BoundParameters<Scalar>) -> (output: Variable<Scalar>, weights: Variable<Scalar>) {
        var scores: Variable<Scalar>
        switch score {
        case .scaledDot:
            scores = matmul(query, key.transposed) / Scalar(Double(dimension).squareRoot())
        case .bilinear(let matrix):
            scores = matmul(matmul(query, parameters[matrix]), key.transposed)
        }
        if let mask {
            // Masked scores get a large negative offset, so their softmax weight is 0.
            scores = scores + query.tape.constant(mask.map { $0 > 0 ? 0 : -1e9 })
        }
        let weights = scores.softmax()
        return (matmul(weights, value), weights)
    }
}

/// A lookup table of learned vectors, one row per id. Its gradient holds only the rows a
/// batch read, so tables with millions of rows train without dense gradients.
public struct Embedding: Sendable {
    public let table: ParameterKey
    public let count: Int
    public let dimension: Int

    public init<Scalar: TensorScalar>(_ name: String, count: Int, dimension: Int, initializer: Initializer = .normal(standardDeviation: 0.01),
                                      store: ParameterStore<Scalar>, random: inout RandomSource) {
        self.count = count
        self.dimension = dimension
        let initial: Tensor<Scalar> = initializer.make([count, dimension], fanIn: count, fanOut: dimension, random: &random)
        table = store.register("\(name).table", initial)
    }

    /// The vectors of `ids`, as [ids.count, dimension].
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction<Scalar>(_ ids: [Int], _ parameters: BoundParameters<Scalar>) -> Variable<Scalar> {
        parameters[table].gatherRows(ids)
    }
}

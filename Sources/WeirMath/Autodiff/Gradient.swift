/// The gradient of one tape value: dense, or, for an embedding table read by a lookup, only
/// the rows that were read, so that a 10-million-row table never gets a dense gradient.
public enum Gradient<Scalar: TensorScalar>: Sendable {
    case dense(Tensor<Scalar>)
    /// `values[i]` is the gradient of row `indices[i]` of a table of `shape`; an index may
    /// repeat (its contributions add up).
    case sparseRows(indices: [Int], values: Tensor<Scalar>, shape: [Int])

    public var shape: [Int] {
        switch self {
        case .dense(let tensor): return tensor.shape
        case .sparseRows(_, _, let shape): return shape
        }
    }

    /// The gradient as a dense tensor (allocates the whole table for sparse rows: for tests
    /// and small tables only).
    public var dense: Tensor<Scalar> {
        switch self {
        case .dense(let tensor): return tensor
        case .sparseRows(let indices, let values, let shape):
            var result = [Scalar](repeating: 0, count: shape.reduce(1, *))
            let width = shape.dropFirst().reduce(1, *)
            let rows = values.scalars
            for (position, row) in indices.enumerated() {
                for column in 0..<width { result[row * width + column] += rows[position * width + column] }
            }
            return Tensor(shape: shape, scalars: result)
        }
    }

    /// Sparse rows with repeated indices summed, in ascending index order.
    public func coalesced() -> Gradient {
        guard case .sparseRows(let indices, let values, let shape) = self else { return self }
        let width = shape.dropFirst().reduce(1, *)
        let rows = values.scalars
        var sums: [Int: [Scalar]] = [:]
        for (position, row) in indices.enumerated() {
            let slice = rows[(position * width)..<((position + 1) * width)]
            if var existing = sums[row] {
                for (offset, value) in slice.enumerated() { existing[offset] += value }
                sums[row] = existing
            } else {
                sums[row] = Array(slice)
            }
        }
        let ordered = sums.keys.sorted()
        return .sparseRows(indices: ordered, values: Tensor(shape: [ordered.count] + Array(shape.dropFirst()),
                                                             scalars: ordered.flatMap { sums[$0]! }), shape: shape)
    }

    /// The sum of two gradients of one value; sparse plus sparse stays sparse.
    static func + (lhs: Gradient, rhs: Gradient) -> Gradient {
        switch (lhs, rhs) {
        case (.dense(let a), .dense(let b)):
            return .dense(a + b)
        case (.sparseRows(let ia, let va, let shape), .sparseRows(let ib, let vb, _)):
            return .sparseRows(indices: ia + ib, values: Tensor.concatenate([va, vb], axis: 0), shape: shape)
        case (.dense(let a), .sparseRows), (.sparseRows, .dense(let a)):
            let sparse = lhs.isSparse ? lhs : rhs
            return .dense(a + sparse.dense)
        }
    }

    var isSparse: Bool {
        if case .sparseRows = self { return true }
        return false
    }
}

/// Updates a store's parameters from their gradients, one step at a time. Sparse row
/// gradients (embedding tables) update only the rows they carry ("lazy" updates), so a
/// step costs the rows a batch touched, not the table.
public protocol Optimizer {
    associatedtype Scalar: TensorScalar
    var learningRate: Double { get set }
    /// L2 penalty λ added to each gradient as λ·w (decoupled for Adam: see `Adam`).
    var weightDecay: Double { get set }
    /// Applies one step; `gradients` are aligned with `store.keys`.
    mutating func step(_ store: ParameterStore<Scalar>, _ gradients: [Gradient<Scalar>])
}

/// The per-row update loop every optimizer shares: it walks a dense gradient as one row
/// or a sparse one row by row, calling `update(parameter, gradient, slot)` with the flat
/// offset of each element (into the parameter and its state slots).
enum OptimizerSupport {
    static func forEachElement<Scalar: TensorScalar>(_ gradient: Gradient<Scalar>, _ update: (Int, Scalar) -> Void) {
        switch gradient.coalesced() {
        case .dense(let tensor):
            let compact = tensor.contiguous()
            compact.storage.withUnsafeBufferPointer { values in
                for offset in 0..<compact.count { update(offset, values[compact.offset + offset]) }
            }
        case .sparseRows(let indices, let values, let shape):
            let width = shape.dropFirst().reduce(1, *)
            let compact = values.contiguous()
            compact.storage.withUnsafeBufferPointer { rows in
                for (position, row) in indices.enumerated() {
                    for column in 0..<width { update(row * width + column, rows[compact.offset + position * width + column]) }
                }
            }
        }
    }

    /// State slots (momentum, squared averages) lazily sized like the parameter.
    static func slot<Scalar: TensorScalar>(_ slots: inout [[Scalar]], _ index: Int, count: Int) {
        while slots.count <= index { slots.append([]) }
        if slots[index].count != count { slots[index] = Tensor<Scalar>.filled(0, count: count) }
    }
}

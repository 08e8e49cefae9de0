/// A dense n-dimensional array of Float or Double in row-major order, with shape, strides
/// and an offset into shared storage, so that transposes, slices and broadcasts are views
/// that copy nothing. It is a value: storage is copied on the first write to a shared one.
public struct Tensor<Scalar: TensorScalar>: Sendable, CustomStringConvertible {
    /// The elements, possibly shared with other views and possibly with gaps between rows.
    public internal(set) var storage: [Scalar]
    public internal(set) var shape: [Int]
    /// Elements to step in `storage` per index step along each axis (0 for a broadcast axis).
    public internal(set) var strides: [Int]
    public internal(set) var offset: Int

    /// A tensor of `shape` with every element `value`.
    public init(shape: [Int], repeating value: Scalar) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.storage = Self.filled(value, count: shape.reduce(1, *))
        self.shape = shape
        self.strides = Self.rowMajorStrides(shape)
        self.offset = 0
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.storage = scalars
        self.shape = shape
        self.strides = Self.rowMajorStrides(shape)
        self.offset = 0
    }

    /// A rank-0 tensor holding one value.
    public init(_ value: Scalar) {
        self.init(shape: [], scalars: [value])
    }

    /// A vector.
    public init(_ scalars: [Scalar]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A matrix from its rows, which must be equally long.
    public init(rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "rows of a matrix must be equally long")
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    init(storage: [Scalar], shape: [Int], strides: [Int], offset: Int) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// The identity matrix of size n.
    public static func identity(_ n: Int) -> Tensor {
        var result = zeros([n, n])
        for i in 0..<n { result.storage[i * n + i] = 1 }
        return result
    }

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    /// `count` copies of `value`, written by the element type's kernel (a stride-0 copy).
    static func filled(_ value: Scalar, count: Int) -> [Scalar] {
        [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            withUnsafePointer(to: value) { Scalar.unaryKernel(.copy, $0, stride: 0, buffer.baseAddress!, count: count) }
            initialized = count
        }
    }

    static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            strides[axis] = step
            step *= Swift.max(shape[axis], 1)
        }
        return strides
    }

    /// True when the elements lie in row-major order without gaps from `offset` on.
    public var isContiguous: Bool {
        var step = 1
        for axis in shape.indices.reversed() where shape[axis] != 1 {
            if strides[axis] != step { return false }
            step *= shape[axis]
        }
        return true
    }

    /// The same values in a fresh row-major storage of exactly `count` elements.
    public func contiguous() -> Tensor {
        if isContiguous && offset == 0 && storage.count == count { return self }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// All elements in row-major order.
    public var scalars: [Scalar] {
        if isContiguous { return Array(storage[offset..<offset + count]) }
        return [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            storage.withUnsafeBufferPointer { source in
                let base = source.baseAddress!
                forEachRow { start, row, length, stride in
                    Scalar.unaryKernel(.copy, base + start, stride: stride, buffer.baseAddress! + row * length, count: length)
                }
            }
            initialized = count
        }
    }

    /// Calls `body(storageOffset, rowIndex, rowLength, rowStride)` for each run of the last
    /// axis, in row-major order: elementwise work is done a row at a time through kernels.
    func forEachRow(_ body: (Int, Int, Int, Int) -> Void) {
        guard count > 0 else { return }
        guard rank > 0 else {
            body(offset, 0, 1, 1)
            return
        }
        let length = shape[rank - 1], stride = strides[rank - 1]
        let rows = count / length
        if rank == 1 {
            body(offset, 0, length, stride)
            return
        }
        var index = Array(repeating: 0, count: rank - 1)
        var position = offset
        for row in 0..<rows {
            body(position, row, length, stride)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                position += strides[axis]
                if index[axis] < shape[axis] { break }
                position -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// The single value of a one-element tensor.
    public var scalar: Scalar {
        precondition(count == 1, "scalar of a tensor with \(count) elements")
        return storage[offset]
    }

    func storageOffset(_ indices: [Int]) -> Int {
        precondition(indices.count == rank, "\(indices.count) indices for a rank-\(rank) tensor")
        var position = offset
        for axis in indices.indices {
            precondition(indices[axis] >= 0 && indices[axis] < shape[axis],
                         "index \(indices[axis]) out of range 0..<\(shape[axis]) on axis \(axis)")
            position += indices[axis] * strides[axis]
        }
        return position
    }

    public subscript(_ indices: Int...) -> Scalar {
        get { storage[storageOffset(indices)] }
        set {
            makeUniqueAndCompact()
            storage[storageOffset(indices)] = newValue
        }
    }

    /// Before a write: a view becomes a compact copy (a shared but compact storage is
    /// left to the array's own copy-on-write).
    mutating func makeUniqueAndCompact() {
        if !(isContiguous && offset == 0 && storage.count == count) {
            self = Tensor(shape: shape, scalars: scalars)
        }
    }

    public var description: String {
        "Tensor<\(Scalar.self)>\(shape)(\(scalars.prefix(16).map { "\($0)" }.joined(separator: ", "))\(count > 16 ? ", ..." : ""))"
    }
}

extension Tensor: Equatable {
    /// Equal shapes and elements, whatever the layout.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

/// Views: new shapes and strides over the same storage, copying only when a layout
/// cannot be expressed by strides (reshaping a non-contiguous view).
extension Tensor {
    /// The same elements in a new shape with as many elements. One dimension may be -1
    /// and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot infer a dimension reshaping \(shape) to \(newShape)")
            target[inferred] = count / known
        }
        precondition(target.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        let source = isContiguous ? self : contiguous()
        return Tensor(storage: source.storage, shape: target, strides: Self.rowMajorStrides(target), offset: source.offset)
    }

    /// The axes reordered: axis i of the result is axis `axes[i]` of this tensor.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) does not fit rank \(rank)")
        return Tensor(storage: storage, shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] }, offset: offset)
    }

    /// The last two axes swapped (the matrix transpose for rank 2).
    public var transposed: Tensor {
        precondition(rank >= 2, "transpose needs rank >= 2, have \(rank)")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    /// Elements `range` along `axis`, as a view.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(axis >= 0 && axis < rank, "axis \(axis) out of range for rank \(rank)")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) out of 0..<\(shape[axis])")
        var newShape = shape
        newShape[axis] = range.count
        return Tensor(storage: storage, shape: newShape, strides: strides, offset: offset + range.lowerBound * strides[axis])
    }

    /// Index `index` of the first axis, with that axis removed (row `index` of a matrix).
    public subscript(row index: Int) -> Tensor {
        precondition(rank >= 1 && index >= 0 && index < shape[0], "row \(index) out of range for shape \(shape)")
        return Tensor(storage: storage, shape: Array(shape.dropFirst()), strides: Array(strides.dropFirst()),
                      offset: offset + index * strides[0])
    }

    /// A view with a new axis of size 1 at `axis`.
    public func expandingShape(at axis: Int) -> Tensor {
        precondition(axis >= 0 && axis <= rank, "axis \(axis) out of range for rank \(rank)")
        var newShape = shape
        var newStrides = strides
        newShape.insert(1, at: axis)
        newStrides.insert(0, at: axis)
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset)
    }

    /// A view without the size-1 axes (or only `axis`, when given).
    public func squeezingShape(at axis: Int? = nil) -> Tensor {
        let keep = shape.indices.filter { shape[$0] != 1 || (axis != nil && $0 != axis) }
        return Tensor(storage: storage, shape: keep.map { shape[$0] }, strides: keep.map { strides[$0] }, offset: offset)
    }

    /// A view repeating this tensor along axes of size 1 (or missing leading axes) to
    /// `target`, with NumPy's broadcasting rules; no element is copied.
    public func broadcast(to target: [Int]) -> Tensor {
        precondition(target.count >= rank, "cannot broadcast shape \(shape) to lower rank \(target)")
        let lead = target.count - rank
        var newStrides = Array(repeating: 0, count: target.count)
        for axis in 0..<rank {
            let size = shape[axis]
            precondition(size == target[lead + axis] || size == 1, "cannot broadcast shape \(shape) to \(target)")
            newStrides[lead + axis] = size == 1 ? 0 : strides[axis]
        }
        return Tensor(storage: storage, shape: target, strides: newStrides, offset: offset)
    }

    /// The shape two operands broadcast to under NumPy's rules.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var result = Array(repeating: 1, count: rank)
        for axis in 0..<rank {
            let x = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
            let y = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
            precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
            result[axis] = x == 1 ? y : x
        }
        return result
    }

    /// Tensors joined along `axis`; their other dimensions must agree.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let first = parts[0]
        precondition(axis >= 0 && axis < first.rank, "axis \(axis) out of range for rank \(first.rank)")
        for part in parts {
            precondition(part.rank == first.rank && part.shape.indices.allSatisfy { $0 == axis || part.shape[$0] == first.shape[$0] },
                         "cannot concatenate shape \(part.shape) with \(first.shape) along axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let outer = first.shape[..<axis].reduce(1, *)
        var scalars: [Scalar] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        let blocks = parts.map { $0.scalars }
        let blockSizes = parts.map { $0.shape[axis...].reduce(1, *) }
        for row in 0..<outer {
            for (block, size) in Swift.zip(blocks, blockSizes) {
                scalars.append(contentsOf: block[(row * size)..<((row + 1) * size)])
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

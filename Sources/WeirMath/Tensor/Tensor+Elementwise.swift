/// Elementwise arithmetic with NumPy broadcasting, and the unary functions models use.
/// Contiguous operands of one shape take a flat loop; everything else walks strides.
extension Tensor {
    /// `transform` applied to every element.
    public func map(_ transform: (Scalar) -> Scalar) -> Tensor {
        if isContiguous {
            let result = storage.withUnsafeBufferPointer { source in
                [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for i in 0..<count { buffer[i] = transform(source[offset + i]) }
                    initialized = count
                }
            }
            return Tensor(shape: shape, scalars: result)
        }
        return Tensor(shape: shape, scalars: scalars.map(transform))
    }

    /// `combine` applied to corresponding elements of two tensors broadcast to one shape.
    public static func zip(_ lhs: Tensor, _ rhs: Tensor, _ combine: (Scalar, Scalar) -> Scalar) -> Tensor {
        if lhs.shape == rhs.shape, lhs.isContiguous, rhs.isContiguous {
            let total = lhs.count
            let result = lhs.storage.withUnsafeBufferPointer { a in
                rhs.storage.withUnsafeBufferPointer { b in
                    [Scalar](unsafeUninitializedCapacity: total) { buffer, initialized in
                        for i in 0..<total { buffer[i] = combine(a[lhs.offset + i], b[rhs.offset + i]) }
                        initialized = total
                    }
                }
            }
            return Tensor(shape: lhs.shape, scalars: result)
        }
        let shape = broadcastShape(lhs.shape, rhs.shape)
        let a = lhs.broadcast(to: shape).scalars
        let b = rhs.broadcast(to: shape).scalars
        return Tensor(shape: shape, scalars: Array(Swift.zip(a, b).map { combine($0, $1) }))
    }

    /// `kernel` applied to every element.
    public func applying(_ kernel: UnaryKernel) -> Tensor {
        let total = count
        let result = [Scalar](unsafeUninitializedCapacity: total) { buffer, initialized in
            storage.withUnsafeBufferPointer { source in
                let base = source.baseAddress!
                if isContiguous {
                    Scalar.unaryKernel(kernel, base + offset, stride: 1, buffer.baseAddress!, count: total)
                } else {
                    forEachRow { start, row, length, stride in
                        Scalar.unaryKernel(kernel, base + start, stride: stride, buffer.baseAddress! + row * length, count: length)
                    }
                }
            }
            initialized = total
        }
        return Tensor(shape: shape, scalars: result)
    }

    /// `kernel` applied to corresponding elements of two tensors broadcast to one shape.
    public static func combining(_ lhs: Tensor, _ rhs: Tensor, _ kernel: BinaryKernel) -> Tensor {
        let shape = lhs.shape == rhs.shape ? lhs.shape : broadcastShape(lhs.shape, rhs.shape)
        let a = lhs.shape == shape ? lhs : lhs.broadcast(to: shape)
        let b = rhs.shape == shape ? rhs : rhs.broadcast(to: shape)
        let total = shape.reduce(1, *)
        let result = [Scalar](unsafeUninitializedCapacity: total) { buffer, initialized in
            a.storage.withUnsafeBufferPointer { aSource in
                b.storage.withUnsafeBufferPointer { bSource in
                    let out = buffer.baseAddress!
                    if a.isContiguous && b.isContiguous {
                        Scalar.binaryKernel(kernel, aSource.baseAddress! + a.offset, strideA: 1, bSource.baseAddress! + b.offset, strideB: 1,
                                            out, count: total)
                    } else {
                        combineRows(a, b, aSource.baseAddress!, bSource.baseAddress!, out, kernel)
                    }
                }
            }
            initialized = total
        }
        return Tensor(shape: shape, scalars: result)
    }

    /// Walks two same-shape (possibly broadcast) views row by row.
    private static func combineRows(_ a: Tensor, _ b: Tensor, _ aBase: UnsafePointer<Scalar>, _ bBase: UnsafePointer<Scalar>,
                                    _ out: UnsafeMutablePointer<Scalar>, _ kernel: BinaryKernel) {
        let total = a.count
        guard total > 0 else { return }
        guard a.rank > 0 else {
            Scalar.binaryKernel(kernel, aBase + a.offset, strideA: 1, bBase + b.offset, strideB: 1, out, count: 1)
            return
        }
        let rank = a.rank, length = a.shape[rank - 1]
        let strideA = a.strides[rank - 1], strideB = b.strides[rank - 1]
        var index = Array(repeating: 0, count: Swift.max(rank - 1, 0))
        var positionA = a.offset, positionB = b.offset
        for row in 0..<(total / Swift.max(length, 1)) {
            Scalar.binaryKernel(kernel, aBase + positionA, strideA: strideA, bBase + positionB, strideB: strideB, out + row * length, count: length)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                positionA += a.strides[axis]
                positionB += b.strides[axis]
                if index[axis] < a.shape[axis] { break }
                positionA -= a.strides[axis] * a.shape[axis]
                positionB -= b.strides[axis] * b.shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { combining(lhs, rhs, .add) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { combining(lhs, rhs, .subtract) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { combining(lhs, rhs, .multiply) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { combining(lhs, rhs, .divide) }
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.applying(.addScalar(Double(rhs))) }
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.applying(.addScalar(-Double(rhs))) }
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.applying(.multiplyScalar(Double(rhs))) }
    public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.applying(.multiplyScalar(1 / Double(rhs))) }
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.applying(.multiplyScalar(Double(lhs))) }
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.applying(.subtractFromScalar(Double(lhs))) }
    public static prefix func - (operand: Tensor) -> Tensor { operand.applying(.negate) }

    public func exp() -> Tensor { applying(.exp) }
    public func log() -> Tensor { applying(.log) }
    public func tanh() -> Tensor { applying(.tanh) }
    public func sqrt() -> Tensor { applying(.sqrt) }
    public func abs() -> Tensor { applying(.abs) }
    public func squared() -> Tensor { applying(.square) }
    public func relu() -> Tensor { applying(.relu) }

    /// The logistic function, computed without overflow for large |x|.
    public func sigmoid() -> Tensor { applying(.sigmoid) }

    /// log(1 + e^x) without overflow.
    public func softplus() -> Tensor { applying(.softplus) }

    /// Elements clamped to `range`.
    public func clamped(to range: ClosedRange<Scalar>) -> Tensor {
        map { Swift.min(Swift.max($0, range.lowerBound), range.upperBound) }
    }

    /// The largest absolute difference to `other` (same shape), for tests and checks.
    public func maxAbsoluteDifference(_ other: Tensor) -> Scalar {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        return Swift.zip(scalars, other.scalars).reduce(0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
    }
}

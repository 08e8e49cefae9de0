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
        var result: [Scalar] = []
        result.reserveCapacity(count)
        forEachOffset { result.append(transform(storage[$0])) }
        return Tensor(shape: shape, scalars: result)
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

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs, +) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs, -) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs, *) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs, /) }
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 + rhs } }
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 - rhs } }
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 * rhs } }
    public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs.map { $0 / rhs } }
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }
    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    public func exp() -> Tensor { map(Scalar.exp) }
    public func log() -> Tensor { map(Scalar.log) }
    public func tanh() -> Tensor { map(Scalar.tanh) }
    public func sqrt() -> Tensor { map { $0.squareRoot() } }
    public func abs() -> Tensor { map { Swift.abs($0) } }
    public func squared() -> Tensor { map { $0 * $0 } }
    public func relu() -> Tensor { map { Swift.max($0, 0) } }

    /// The logistic function, computed without overflow for large |x|.
    public func sigmoid() -> Tensor { map(Self.sigmoid) }

    /// log(1 + e^x) without overflow.
    public func softplus() -> Tensor { map(Self.softplus) }

    static func sigmoid(_ x: Scalar) -> Scalar {
        if x >= 0 { return 1 / (1 + Scalar.exp(-x)) }
        let e = Scalar.exp(x)
        return e / (1 + e)
    }

    static func softplus(_ x: Scalar) -> Scalar {
        x > 0 ? x + Scalar.log1p(Scalar.exp(-x)) : Scalar.log1p(Scalar.exp(x))
    }

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

/// Differentiable operations. Each computes its value with `Tensor` and records the
/// vector-Jacobian product that maps its result's gradient to its inputs' gradients.
extension Variable {
    private func unary(_ value: Tensor<Scalar>, _ vjp: @escaping (Tensor<Scalar>) -> Tensor<Scalar>) -> Variable {
        tape.record(value, inputs: [self]) { [vjp] upstream in [.dense(vjp(upstream))] }
    }

    private static func binary(_ lhs: Variable, _ rhs: Variable, _ value: Tensor<Scalar>,
                               _ vjp: @escaping (Tensor<Scalar>) -> (Tensor<Scalar>, Tensor<Scalar>)) -> Variable {
        let lhsShape = lhs.shape, rhsShape = rhs.shape
        return lhs.tape.record(value, inputs: [lhs, rhs]) { upstream in
            let (a, b) = vjp(upstream)
            return [.dense(a.summed(toShape: lhsShape)), .dense(b.summed(toShape: rhsShape))]
        }
    }

    public static func + (lhs: Variable, rhs: Variable) -> Variable {
        binary(lhs, rhs, lhs.value + rhs.value) { ($0, $0) }
    }

    public static func - (lhs: Variable, rhs: Variable) -> Variable {
        binary(lhs, rhs, lhs.value - rhs.value) { ($0, -$0) }
    }

    public static func * (lhs: Variable, rhs: Variable) -> Variable {
        let a = lhs.value, b = rhs.value
        return binary(lhs, rhs, a * b) { ($0 * b, $0 * a) }
    }

    public static func / (lhs: Variable, rhs: Variable) -> Variable {
        let a = lhs.value, b = rhs.value
        return binary(lhs, rhs, a / b) { upstream in (upstream / b, -upstream * a / (b * b)) }
    }

    public static func + (lhs: Variable, rhs: Scalar) -> Variable { lhs.unary(lhs.value + rhs) { $0 } }
    public static func - (lhs: Variable, rhs: Scalar) -> Variable { lhs.unary(lhs.value - rhs) { $0 } }
    public static func * (lhs: Variable, rhs: Scalar) -> Variable { lhs.unary(lhs.value * rhs) { $0 * rhs } }
    public static func * (lhs: Scalar, rhs: Variable) -> Variable { rhs * lhs }
    public static func / (lhs: Variable, rhs: Scalar) -> Variable { lhs.unary(lhs.value / rhs) { $0 / rhs } }
    public static func - (lhs: Scalar, rhs: Variable) -> Variable { rhs.unary(lhs - rhs.value) { -$0 } }
    /// c / x for a constant c.
    public static func / (lhs: Scalar, rhs: Variable) -> Variable {
        let x = rhs.value
        return rhs.tape.record(x.applying(.divideScalarBy(Double(lhs))), inputs: [rhs]) { upstream in
            [.dense(upstream * x.applying(.square).applying(.divideScalarBy(-Double(lhs))))]
        }
    }

    public static prefix func - (operand: Variable) -> Variable { operand.unary(-operand.value) { -$0 } }

    public func exp() -> Variable {
        let result = value.exp()
        return unary(result) { $0 * result }
    }

    public func log() -> Variable {
        let x = value
        return unary(x.log()) { $0 / x }
    }

    public func tanh() -> Variable {
        let result = value.tanh()
        return unary(result) { $0 * (1 - result.squared()) }
    }

    public func sigmoid() -> Variable {
        let result = value.sigmoid()
        return unary(result) { $0 * result * (1 - result) }
    }

    public func relu() -> Variable {
        let mask = value.applying(.positiveMask)
        return unary(value.relu()) { $0 * mask }
    }

    /// log(1 + e^x); its derivative is the sigmoid.
    public func softplus() -> Variable {
        let slope = value.sigmoid()
        return unary(value.softplus()) { $0 * slope }
    }

    public func squared() -> Variable {
        let x = value
        return unary(x.squared()) { $0 * x * 2 }
    }

    public func sqrt() -> Variable {
        let result = value.sqrt()
        return unary(result) { $0 / (result * 2) }
    }

    /// |x|, with derivative sign(x) (0 at 0).
    public func abs() -> Variable {
        let sign = value.applying(.sign)
        return unary(value.abs()) { $0 * sign }
    }

    /// x^p for a constant exponent.
    public func pow(_ exponent: Scalar) -> Variable {
        let x = value
        return unary(x.applying(.power(Double(exponent)))) { upstream in
            upstream * x.applying(.power(Double(exponent - 1))) * exponent
        }
    }

    /// The log-gamma function; its derivative is the digamma function.
    public func lgamma() -> Variable {
        let x = value
        return unary(x.applying(.lgamma)) { $0 * x.applying(.digamma) }
    }

    /// log(1 + x).
    public func log1p() -> Variable {
        let x = value
        return unary(x.applying(.log1p)) { $0 / (x + 1) }
    }

    public func sum() -> Variable {
        let shape = value.shape
        return unary(Tensor(value.sum())) { Tensor(shape: shape, repeating: $0.scalar) }
    }

    public func mean() -> Variable {
        let shape = value.shape, count = Scalar(value.count)
        return unary(Tensor(value.mean())) { Tensor(shape: shape, repeating: $0.scalar / count) }
    }

    public func sum(axis: Int, keepingDimension: Bool = false) -> Variable {
        let shape = value.shape
        return unary(value.sum(axis: axis, keepingDimension: keepingDimension)) { upstream in
            (keepingDimension ? upstream : upstream.expandingShape(at: axis)).broadcast(to: shape).contiguous()
        }
    }

    public func mean(axis: Int, keepingDimension: Bool = false) -> Variable {
        sum(axis: axis, keepingDimension: keepingDimension) / Scalar(value.shape[axis])
    }

    public func reshaped(_ shape: [Int]) -> Variable {
        let original = value.shape
        return unary(value.reshaped(shape)) { $0.reshaped(original) }
    }

    /// The last two axes swapped.
    public var transposed: Variable {
        unary(value.transposed.contiguous()) { $0.transposed.contiguous() }
    }

    /// Elements `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Variable {
        let shape = value.shape
        return unary(value.sliced(axis: axis, range).contiguous()) { upstream in
            var parts: [Tensor<Scalar>] = []
            var before = shape, after = shape
            before[axis] = range.lowerBound
            after[axis] = shape[axis] - range.upperBound
            if range.lowerBound > 0 { parts.append(.zeros(before)) }
            parts.append(upstream)
            if after[axis] > 0 { parts.append(.zeros(after)) }
            return Tensor.concatenate(parts, axis: axis)
        }
    }

    /// Variables joined along `axis`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func concatenate(_ parts: [Variable], axis: Int) -> Variable {
        precondition(!parts.isEmpty, "concatenate needs at least one variable")
        let sizes = parts.map { $0.shape[axis] }
        return parts[0].tape.record(Tensor.concatenate(parts.map(\.value), axis: axis), inputs: parts) { upstream in
            var start = 0
            return sizes.map { size in
                defer { start += size }
                return .dense(upstream.sliced(axis: axis, start..<(start + size)).contiguous())
            }
        }
    }

    /// Matrix product (rank 2, or batched rank 3 with a rank-2 operand broadcast).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public static func matmul(_ lhs: Variable, _ rhs: Variable) -> Variable {
        let a = lhs.value, b = rhs.value
        return lhs.tape.record(Tensor.matmul(a, b), inputs: [lhs, rhs]) { upstream in
            var da = Tensor.matmul(upstream, b.transposed)
            var db = Tensor.matmul(a.transposed, upstream)
            if da.rank > a.rank { da = da.sum(axis: 0) }
            if db.rank > b.rank { db = db.sum(axis: 0) }
            return [.dense(da), .dense(db)]
        }
    }

    /// Log-softmax along the last axis.
    public func logSoftmax() -> Variable {
        let result = value.logSoftmaxLastAxis()
        let probabilities = result.exp()
        return unary(result) { upstream in
            upstream - probabilities * upstream.sum(axis: upstream.rank - 1, keepingDimension: true)
        }
    }

    public func softmax() -> Variable { logSoftmax().exp() }

    /// Rows `indices` of this [rows, width] table, stacked as [indices.count, width]. The
    /// table's gradient holds only those rows (`Gradient.sparseRows`).
    public func gatherRows(_ indices: [Int]) -> Variable {
        precondition(value.rank == 2, "gatherRows reads a [rows, width] table, got shape \(value.shape)")
        let rows = value.shape[0], width = value.shape[1]
        let table = value.contiguous()
        var gathered = [Scalar]()
        gathered.reserveCapacity(indices.count * width)
        table.storage.withUnsafeBufferPointer { buffer in
            for index in indices {
                precondition(index >= 0 && index < rows, "row \(index) out of range 0..<\(rows)")
                gathered.append(contentsOf: buffer[(table.offset + index * width)..<(table.offset + (index + 1) * width)])
            }
        }
        let shape = value.shape
        return tape.record(Tensor(shape: [indices.count, width], scalars: gathered), inputs: [self]) { upstream in
            [.sparseRows(indices: indices, values: upstream, shape: shape)]
        }
    }

    /// Keeps elements where `mask` is 1 and zeroes them where it is 0 (dropout, padding).
    public func masked(by mask: Tensor<Scalar>) -> Variable {
        unary(value * mask) { $0 * mask }
    }
}

/// Free-function spelling for products, as in the papers.
public func matmul<Scalar: TensorScalar>(_ lhs: Variable<Scalar>, _ rhs: Variable<Scalar>) -> Variable<Scalar> {
    Variable.matmul(lhs, rhs)
}

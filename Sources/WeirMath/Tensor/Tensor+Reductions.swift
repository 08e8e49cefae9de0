/// Sums, means, extremes and softmax along an axis or over all elements. Whole-tensor
/// sums accumulate in Double whatever the element type, so long Float reductions do not
/// drift; sums along an axis add whole rows in the element type, as BLAS libraries do.
extension Tensor {
    /// The sum of all elements.
    public func sum() -> Scalar {
        var total = 0.0
        storage.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            if isContiguous {
                total = Scalar.sumKernel(base + offset, stride: 1, count: count)
            } else {
                forEachRow { start, _, length, stride in total += Scalar.sumKernel(base + start, stride: stride, count: length) }
            }
        }
        return Scalar(total)
    }

    public func mean() -> Scalar { count == 0 ? .nan : Scalar(Double(sum()) / Double(count)) }

    /// Reduces `axis` with `combine`, starting every output element from `initial`.
    public func reduce(axis: Int, keepingDimension: Bool = false, initial: Double,
                       _ combine: (Double, Scalar) -> Double) -> Tensor {
        precondition(axis >= 0 && axis < rank, "axis \(axis) out of range for rank \(rank)")
        let outer = shape[..<axis].reduce(1, *)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let source = contiguous().storage
        var result = Array(repeating: initial, count: outer * inner)
        for o in 0..<outer {
            for j in 0..<length {
                let base = (o * length + j) * inner
                for i in 0..<inner {
                    result[o * inner + i] = combine(result[o * inner + i], source[base + i])
                }
            }
        }
        var newShape = shape
        if keepingDimension { newShape[axis] = 1 } else { newShape.remove(at: axis) }
        return Tensor(shape: newShape, scalars: result.map { Scalar($0) })
    }

    public func sum(axis: Int, keepingDimension: Bool = false) -> Tensor {
        precondition(axis >= 0 && axis < rank, "axis \(axis) out of range for rank \(rank)")
        let outer = shape[..<axis].reduce(1, *)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let source = contiguous()
        var result = Self.filled(0, count: outer * inner)
        source.storage.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { output in
                let base = input.baseAddress! + source.offset
                for o in 0..<outer {
                    let target = output.baseAddress! + o * inner
                    for j in 0..<length {
                        Scalar.binaryKernel(.add, target, strideA: 1, base + (o * length + j) * inner, strideB: 1, target, count: inner)
                    }
                }
            }
        }
        var newShape = shape
        if keepingDimension { newShape[axis] = 1 } else { newShape.remove(at: axis) }
        return Tensor(shape: newShape, scalars: result)
    }

    public func mean(axis: Int, keepingDimension: Bool = false) -> Tensor {
        sum(axis: axis, keepingDimension: keepingDimension) / Scalar(shape[axis])
    }

    public func max(axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDimension: keepingDimension, initial: -.infinity) { Swift.max($0, Double($1)) }
    }

    public func min(axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(axis: axis, keepingDimension: keepingDimension, initial: .infinity) { Swift.min($0, Double($1)) }
    }

    public func max() -> Scalar { scalars.max() ?? .nan }
    public func min() -> Scalar { scalars.min() ?? .nan }

    /// The index of the largest element along the last axis, for each leading index.
    public func argmaxLastAxis() -> [Int] {
        let length = shape.last ?? 1
        let values = scalars
        return stride(from: 0, to: values.count, by: Swift.max(length, 1)).map { start in
            var best = start
            for i in start..<(start + length) where values[i] > values[best] { best = i }
            return best - start
        }
    }

    /// Softmax along the last axis, shifted by the maximum for stability.
    public func softmaxLastAxis() -> Tensor {
        logSoftmaxLastAxis().exp()
    }

    /// Log-softmax along the last axis: x - max - log(sum(exp(x - max))).
    public func logSoftmaxLastAxis() -> Tensor {
        let length = shape.last ?? 1
        var values = scalars
        for start in stride(from: 0, to: values.count, by: Swift.max(length, 1)) {
            let row = start..<(start + length)
            let peak = values[row].max() ?? 0
            var total = 0.0
            for i in row { total += Double(Scalar.exp(values[i] - peak)) }
            let logTotal = Scalar(Double.log(total)) + peak
            for i in row { values[i] -= logTotal }
        }
        return Tensor(shape: shape, scalars: values)
    }
}

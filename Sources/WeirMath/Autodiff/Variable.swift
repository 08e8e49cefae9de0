/// A tensor recorded on a `GradientTape`: operations on variables compute their value and
/// record how to pass gradients back to their inputs.
public struct Variable<Scalar: TensorScalar> {
    public let tape: GradientTape<Scalar>
    let index: Int
    public let value: Tensor<Scalar>

    public var shape: [Int] { value.shape }
}

extension Tensor {
    /// Sums a broadcast gradient back to `shape` (the shape of the operand that was broadcast).
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        var result = self
        while result.rank > target.count { result = result.sum(axis: 0) }
        for axis in target.indices where target[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(axis: axis, keepingDimension: true)
        }
        return result
    }
}

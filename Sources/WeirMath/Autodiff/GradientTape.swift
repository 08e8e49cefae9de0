/// Records the operations of one forward pass so that `gradients` can run them backwards
/// (reverse-mode differentiation). A tape is used for one step and then dropped; it runs
/// on one thread.
public final class GradientTape<Scalar: TensorScalar> {
    /// Maps the gradient of an operation's result to gradients of its inputs (nil where an
    /// input gets nothing).
    typealias Backward = (Tensor<Scalar>) -> [Gradient<Scalar>?]

    struct Node {
        var shape: [Int]
        var inputs: [Int]
        var backward: Backward?
        var needsGradient: Bool
    }

    private(set) var nodes: [Node] = []

    public init() {}

    /// A value that gradients are wanted for (a parameter).
    public func parameter(_ value: Tensor<Scalar>) -> Variable<Scalar> {
        record(value, inputs: [], needsGradient: true, backward: nil)
    }

    /// A value that is not differentiated (data, targets, masks).
    public func constant(_ value: Tensor<Scalar>) -> Variable<Scalar> {
        record(value, inputs: [], needsGradient: false, backward: nil)
    }

    func record(_ value: Tensor<Scalar>, inputs: [Variable<Scalar>], backward: @escaping Backward) -> Variable<Scalar> {
        precondition(inputs.allSatisfy { $0.tape === self }, "an operation mixed variables of different tapes")
        let needs = inputs.contains { nodes[$0.index].needsGradient }
        return record(value, inputs: inputs.map(\.index), needsGradient: needs, backward: needs ? backward : nil)
    }

    private func record(_ value: Tensor<Scalar>, inputs: [Int], needsGradient: Bool, backward: Backward?) -> Variable<Scalar> {
        nodes.append(Node(shape: value.shape, inputs: inputs, backward: backward, needsGradient: needsGradient))
        return Variable(tape: self, index: nodes.count - 1, value: value)
    }

    /// Gradients of the scalar `output` with respect to each of `wrt` (zeros where the
    /// output does not depend on one).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func gradients(of output: Variable<Scalar>, with wrt: [Variable<Scalar>]) -> [Gradient<Scalar>] {
        precondition(output.value.count == 1, "gradients need a scalar output, got shape \(output.value.shape)")
        var accumulated = [Gradient<Scalar>?](repeating: nil, count: output.index + 1)
        accumulated[output.index] = .dense(Tensor(shape: output.value.shape, repeating: 1))
        let wanted = Set(wrt.map(\.index))
        for index in stride(from: output.index, through: 0, by: -1) {
            guard let gradient = accumulated[index], let backward = nodes[index].backward else { continue }
            let node = nodes[index]
            let upstream = gradient.dense
            for (input, contribution) in zip(node.inputs, backward(upstream)) {
                guard let contribution, nodes[input].needsGradient else { continue }
                if let existing = accumulated[input] {
                    accumulated[input] = existing + contribution
                } else {
                    accumulated[input] = contribution
                }
            }
            // Intermediate gradients are not needed once passed on.
            if !wanted.contains(index) { accumulated[index] = nil }
        }
        return wrt.map { variable in
            guard variable.index < accumulated.count, let gradient = accumulated[variable.index] else {
                return .dense(Tensor.zeros(variable.value.shape))
            }
            return gradient
        }
    }
}

/// Identifies one parameter tensor in a `ParameterStore`.
public struct ParameterKey: Hashable, Sendable, Comparable {
    public let index: Int
    public static func < (lhs: ParameterKey, rhs: ParameterKey) -> Bool { lhs.index < rhs.index }
}

/// A model's named parameter tensors, in registration order. Layers register their
/// parameters here and read them back through a `BoundParameters` for each step; an
/// optimizer updates them in place; `ParameterArchive` saves and loads them.
public final class ParameterStore<Scalar: TensorScalar> {
    public private(set) var names: [String] = []
    public private(set) var values: [Tensor<Scalar>] = []
    private var indexByName: [String: Int] = [:]

    public init() {}

    /// Adds a parameter; names must be unique within a store.
    @discardableResult
    public func register(_ name: String, _ initial: Tensor<Scalar>) -> ParameterKey {
        precondition(indexByName[name] == nil, "parameter '\(name)' is registered twice")
        indexByName[name] = names.count
        names.append(name)
        values.append(initial.contiguous())
        return ParameterKey(index: names.count - 1)
    }

    public var keys: [ParameterKey] { names.indices.map { ParameterKey(index: $0) } }

    public func key(named name: String) -> ParameterKey? { indexByName[name].map { ParameterKey(index: $0) } }

    public subscript(key: ParameterKey) -> Tensor<Scalar> {
        get { values[key.index] }
        set {
            precondition(newValue.shape == values[key.index].shape,
                         "parameter '\(names[key.index])' has shape \(values[key.index].shape), not \(newValue.shape)")
            values[key.index] = newValue
        }
    }

    public func name(of key: ParameterKey) -> String { names[key.index] }

    /// The total number of scalars.
    public var scalarCount: Int { values.reduce(0) { $0 + $1.count } }

    /// Lets `body` rewrite a parameter's values in place (optimizers do). The values are
    /// copied first only if something else still shares them, such as a live tape: use
    /// `lossAndGradients` so the tape is gone by the time an optimizer steps.
    public func update(_ key: ParameterKey, _ body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        values[key.index].makeUniqueAndCompact()
        values[key.index].storage.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Runs one forward pass on a fresh tape, returns the loss and the gradient of every
    /// parameter, and drops the tape, so the parameters are no longer shared with it and
    /// an optimizer can update them without copying (a large embedding table then costs
    /// only the rows a batch touched).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func lossAndGradients(_ forward: (BoundParameters<Scalar>) -> Variable<Scalar>) -> (loss: Scalar, gradients: [Gradient<Scalar>]) {
        let tape = GradientTape<Scalar>()
        let parameters = bind(to: tape)
        let loss = forward(parameters)
        return (loss.value.sum(), parameters.gradients(of: loss))
    }

    /// Every parameter as a variable on `tape`, for one forward and backward pass.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func bind(to tape: GradientTape<Scalar>) -> BoundParameters<Scalar> {
        BoundParameters(tape: tape, variables: values.map { tape.parameter($0) })
    }
}

/// A store's parameters as variables of one tape.
public struct BoundParameters<Scalar: TensorScalar> {
    public let tape: GradientTape<Scalar>
    let variables: [Variable<Scalar>]

    public subscript(key: ParameterKey) -> Variable<Scalar> { variables[key.index] }

    /// Gradients of a scalar loss for every parameter of the store, by key.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func gradients(of loss: Variable<Scalar>) -> [Gradient<Scalar>] {
        tape.gradients(of: loss, with: variables)
    }
}

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

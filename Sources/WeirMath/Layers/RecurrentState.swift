/// The state a recurrent network carries between time steps: per layer, the hidden state
/// and (for an LSTM) the cell state, each [batch, hidden].
public struct RecurrentState<Scalar: TensorScalar> {
    public var hidden: [Variable<Scalar>]
    public var cell: [Variable<Scalar>]

    public init(hidden: [Variable<Scalar>], cell: [Variable<Scalar>]) {
        self.hidden = hidden
        self.cell = cell
    }

    /// All-zero state for `layers` layers.
    public static func zeros(layers: Int, batch: Int, hidden: Int, withCell: Bool, on tape: GradientTape<Scalar>) -> RecurrentState {
        let zero = tape.constant(.zeros([batch, hidden]))
        return RecurrentState(hidden: Array(repeating: zero, count: layers), cell: withCell ? Array(repeating: zero, count: layers) : [])
    }
}

/// Regularisation of a recurrent stack while training: dropout on the outputs passed
/// between layers and zoneout of the states (each unit keeps its previous value with
/// probability p), as GluonTS's DeepAR uses them. Off at inference.
public struct RecurrentRegularization: Sendable {
    public var dropout: Double
    public var zoneout: Double

    public init(dropout: Double = 0, zoneout: Double = 0) {
        precondition((0..<1).contains(dropout) && (0..<1).contains(zoneout), "dropout and zoneout rates lie in [0, 1)")
        self.dropout = dropout
        self.zoneout = zoneout
    }

    public static let none = RecurrentRegularization()

    /// Inverted dropout: kept units are scaled by 1 / (1 - p).
    func dropped<Scalar>(_ x: Variable<Scalar>, random: inout RandomSource) -> Variable<Scalar> {
        guard dropout > 0 else { return x }
        let keep = 1 - dropout
        let mask: Tensor<Scalar> = Tensor(shape: x.shape, scalars: (0..<x.value.count).map { _ in
            random.uniform() < keep ? Scalar(1 / keep) : 0
        })
        return x.masked(by: mask)
    }

    /// New state where the zoneout mask is 0, previous state where it is 1.
    func zonedOut<Scalar>(previous: Variable<Scalar>, next: Variable<Scalar>, random: inout RandomSource) -> Variable<Scalar> {
        guard zoneout > 0 else { return next }
        let keepPrevious: Tensor<Scalar> = Tensor(shape: next.shape, scalars: (0..<next.value.count).map { _ in
            random.uniform() < zoneout ? 1 : 0
        })
        return previous.masked(by: keepPrevious) + next.masked(by: 1 - keepPrevious)
    }
}

/// The fused input and recurrent weight matrices of one recurrent layer, registered under
/// `name.layer.input_weight` and `name.layer.recurrent_weight` with Glorot initialisation.
enum RecurrentWeights {
    static func register<Scalar: TensorScalar>(_ name: String, layer: Int, inputSize: Int, hiddenSize: Int, gates: Int,
                                               store: ParameterStore<Scalar>, random: inout RandomSource) -> (input: ParameterKey, recurrent: ParameterKey) {
        let width = gates * hiddenSize
        let input: Tensor<Scalar> = Initializer.xavierUniform.make([inputSize, width], fanIn: inputSize, fanOut: width, random: &random)
        let recurrent: Tensor<Scalar> = Initializer.xavierUniform.make([hiddenSize, width], fanIn: hiddenSize, fanOut: width, random: &random)
        return (store.register("\(name).\(layer).input_weight", input), store.register("\(name).\(layer).recurrent_weight", recurrent))
    }
}

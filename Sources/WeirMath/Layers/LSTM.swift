/// A multi-layer LSTM (gate order input, forget, cell, output, as MXNet and PyTorch).
/// Each layer keeps fused weights: input [in, 4h], recurrent [h, 4h] and bias [4h], so one
/// time step of one layer is two GEMMs.
public struct LSTM: Sendable {
    public struct Layer: Sendable {
        public let inputWeight: ParameterKey
        public let recurrentWeight: ParameterKey
        public let bias: ParameterKey
    }

    public let layers: [Layer]
    public let inputSize: Int
    public let hiddenSize: Int

    /// `forgetBias` starts the forget gates open (1 is the usual choice for long memories).
    public init<Scalar: TensorScalar>(_ name: String, inputSize: Int, hiddenSize: Int, layers count: Int = 1, forgetBias: Double = 1,
                                      store: ParameterStore<Scalar>, random: inout RandomSource) {
        precondition(count >= 1, "an LSTM needs at least one layer")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        var layers: [Layer] = []
        for index in 0..<count {
            let weights = RecurrentWeights.register(name, layer: index, inputSize: index == 0 ? inputSize : hiddenSize,
                                                    hiddenSize: hiddenSize, gates: 4, store: store, random: &random)
            var bias = [Scalar](repeating: 0, count: 4 * hiddenSize)
            for unit in hiddenSize..<(2 * hiddenSize) { bias[unit] = Scalar(forgetBias) }
            layers.append(Layer(inputWeight: weights.input, recurrentWeight: weights.recurrent,
                                bias: store.register("\(name).\(index).bias", Tensor(bias))))
        }
        self.layers = layers
    }

    public func zeroState<Scalar>(batch: Int, on tape: GradientTape<Scalar>) -> RecurrentState<Scalar> {
        .zeros(layers: layers.count, batch: batch, hidden: hiddenSize, withCell: true, on: tape)
    }

    /// One time step: x is [batch, inputSize]; returns the top layer's output [batch, hidden].
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func step<Scalar>(_ x: Variable<Scalar>, state: inout RecurrentState<Scalar>, _ parameters: BoundParameters<Scalar>,
                             regularization: RecurrentRegularization = .none, random: inout RandomSource) -> Variable<Scalar> {
        var input = x
        for (index, layer) in layers.enumerated() {
            if index > 0 { input = regularization.dropped(input, random: &random) }
            let gates = Variable.affine([(input, parameters[layer.inputWeight]), (state.hidden[index], parameters[layer.recurrentWeight])],
                                        bias: parameters[layer.bias])
            let (hidden, cell) = Variable.lstmCell(gates: gates, cell: state.cell[index])
            state.cell[index] = regularization.zonedOut(previous: state.cell[index], next: cell, random: &random)
            state.hidden[index] = regularization.zonedOut(previous: state.hidden[index], next: hidden, random: &random)
            input = hidden
        }
        return input
    }

    /// Runs the sequence `steps` (each [batch, inputSize]) and returns every step's output.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func callAsFunction<Scalar>(_ steps: [Variable<Scalar>], state: inout RecurrentState<Scalar>, _ parameters: BoundParameters<Scalar>,
                                       regularization: RecurrentRegularization = .none, random: inout RandomSource) -> [Variable<Scalar>] {
        steps.map { step($0, state: &state, parameters, regularization: regularization, random: &random) }
    }
}

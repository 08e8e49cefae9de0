/// A multi-layer GRU (gates reset, update, new; PyTorch's formulation, where the reset
/// gate scales the recurrent part of the candidate including its bias).
public struct GRU: Sendable {
    public struct Layer: Sendable {
        public let inputWeight: ParameterKey
        public let recurrentWeight: ParameterKey
        public let inputBias: ParameterKey
        public let recurrentBias: ParameterKey
    }

    public let layers: [Layer]
    public let inputSize: Int
    public let hiddenSize: Int

    public init<Scalar: TensorScalar>(_ name: String, inputSize: Int, hiddenSize: Int, layers count: Int = 1,
                                      store: ParameterStore<Scalar>, random: inout RandomSource) {
        precondition(count >= 1, "a GRU needs at least one layer")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        var layers: [Layer] = []
        for index in 0..<count {
            let weights = RecurrentWeights.register(name, layer: index, inputSize: index == 0 ? inputSize : hiddenSize,
                                                    hiddenSize: hiddenSize, gates: 3, store: store, random: &random)
            layers.append(Layer(inputWeight: weights.input, recurrentWeight: weights.recurrent,
                                inputBias: store.register("\(name).\(index).input_bias", Tensor<Scalar>.zeros([3 * hiddenSize])),
                                recurrentBias: store.register("\(name).\(index).recurrent_bias", Tensor<Scalar>.zeros([3 * hiddenSize]))))
        }
        self.layers = layers
    }

    public func zeroState<Scalar>(batch: Int, on tape: GradientTape<Scalar>) -> RecurrentState<Scalar> {
        .zeros(layers: layers.count, batch: batch, hidden: hiddenSize, withCell: false, on: tape)
    }

    /// One time step: x is [batch, inputSize]; returns the top layer's output [batch, hidden].
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    public func step<Scalar>(_ x: Variable<Scalar>, state: inout RecurrentState<Scalar>, _ parameters: BoundParameters<Scalar>,
                             regularization: RecurrentRegularization = .none, random: inout RandomSource) -> Variable<Scalar> {
        var input = x
        let h = hiddenSize
        for (index, layer) in layers.enumerated() {
            if index > 0 { input = regularization.dropped(input, random: &random) }
            let fromInput = matmul(input, parameters[layer.inputWeight]) + parameters[layer.inputBias]
            let fromState = matmul(state.hidden[index], parameters[layer.recurrentWeight]) + parameters[layer.recurrentBias]
            let reset = (fromInput.sliced(axis: 1, 0..<h) + fromState.sliced(axis: 1, 0..<h)).sigmoid()
            let update = (fromInput.sliced(axis: 1, h..<(2 * h)) + fromState.sliced(axis: 1, h..<(2 * h))).sigmoid()
            let candidate = (fromInput.sliced(axis: 1, (2 * h)..<(3 * h)) + reset * fromState.sliced(axis: 1, (2 * h)..<(3 * h))).tanh()
            let hidden = (1 - update) * candidate + update * state.hidden[index]
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

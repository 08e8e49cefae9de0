import Testing
import WeirMath

/// Every layer's parameter gradients against finite differences (Float64).
struct LayerGradientTests {
    func weighted(_ output: Variable<Double>, seed: UInt64) -> Variable<Double> {
        var random = RandomSource(seed: seed)
        let weights: Tensor<Double> = random.normalTensor(output.shape)
        return (output * output.tape.constant(weights)).sum()
    }

    @Test func denseAndEmbedding() {
        let store = ParameterStore<Double>()
        var random = RandomSource(seed: 1)
        let embedding = Embedding("embed", count: 7, dimension: 3, initializer: .normal(standardDeviation: 0.5), store: store, random: &random)
        let dense = Dense("dense", inputSize: 3, outputSize: 2, activation: .tanh, store: store, random: &random)
        store[dense.bias!] = Tensor([0.1, -0.2])
        GradientCheck.checkParameters("embedding -> dense", store: store) { p in
            self.weighted(dense(embedding([3, 0, 3, 6], p), p), seed: 2)
        }
    }

    @Test func lstmWithDropoutAndZoneout() {
        let store = ParameterStore<Double>()
        var random = RandomSource(seed: 3)
        let lstm = LSTM("lstm", inputSize: 3, hiddenSize: 4, layers: 2, store: store, random: &random)
        let inputs: [Tensor<Double>] = (0..<4).map { _ in random.normalTensor([2, 3]) }
        GradientCheck.checkParameters("lstm", store: store) { p in
            var masks = RandomSource(seed: 4)
            var state = lstm.zeroState(batch: 2, on: p.tape)
            let outputs = lstm(inputs.map { p.tape.constant($0) }, state: &state, p,
                               regularization: RecurrentRegularization(dropout: 0.3, zoneout: 0.2), random: &masks)
            return self.weighted(Variable.concatenate(outputs + [state.cell[0]], axis: 1), seed: 5)
        }
    }

    @Test func gru() {
        let store = ParameterStore<Double>()
        var random = RandomSource(seed: 6)
        let gru = GRU("gru", inputSize: 2, hiddenSize: 3, layers: 2, store: store, random: &random)
        for key in store.keys where store.name(of: key).hasSuffix("bias") {
            store[key] = random.normalTensor(store[key].shape, standardDeviation: 0.3)
        }
        let inputs: [Tensor<Double>] = (0..<3).map { _ in random.normalTensor([2, 2]) }
        GradientCheck.checkParameters("gru", store: store) { p in
            var unused = RandomSource(seed: 0)
            var state = gru.zeroState(batch: 2, on: p.tape)
            let outputs = gru(inputs.map { p.tape.constant($0) }, state: &state, p, random: &unused)
            return self.weighted(Variable.concatenate(outputs, axis: 1), seed: 7)
        }
    }

    @Test func convolutionPoolingAndBatchNorm() {
        let store = ParameterStore<Double>()
        var random = RandomSource(seed: 8)
        let conv = Conv2D("conv", inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 1, store: store, random: &random)
        store[conv.bias] = random.normalTensor([3])
        var norm = BatchNorm("norm", features: 3, store: store)
        store[norm.scale] = random.uniformTensor([3], in: 0.5..<1.5)
        let image: Tensor<Double> = random.normalTensor([2, 2, 5, 5])
        GradientCheck.checkParameters("conv -> batchnorm -> pools", store: store) { p in
            var layer = norm
            let features = layer(conv(p.tape.constant(image), p), p, training: true)
            let pooled = Variable.concatenate([features.maxPool(SlidingWindow(kernel: 2, stride: 2)).reshaped([2, -1]),
                                               features.averagePool(SlidingWindow(kernel: 3, stride: 2, padding: 1)).reshaped([2, -1])], axis: 1)
            return self.weighted(pooled, seed: 9)
        }
        GradientCheck.check("im2col input", inputs: [image]) { $0[0].im2col(SlidingWindow(kernel: 2, stride: 2, padding: 1)) }
        GradientCheck.check("max pool input", inputs: [image]) { $0[0].maxPool(SlidingWindow(kernel: 2, stride: 1)) }
        // Inference uses the running statistics the training pass left behind.
        let tape = GradientTape<Double>()
        _ = norm(conv(tape.constant(image), store.bind(to: tape)), store.bind(to: tape), training: true)
        #expect(norm.runningMean.contains { $0 != 0 })
        let inference = norm(tape.constant(random.normalTensor([1, 3, 2, 2])), store.bind(to: tape), training: false)
        #expect(inference.shape == [1, 3, 2, 2])
    }

    @Test func attention() {
        let store = ParameterStore<Double>()
        var random = RandomSource(seed: 10)
        let bilinear = Attention.bilinear("att", dimension: 3, store: store, random: &random)
        let query: Tensor<Double> = random.normalTensor([2, 2, 3])
        let keys: Tensor<Double> = random.normalTensor([2, 4, 3])
        let values: Tensor<Double> = random.normalTensor([2, 4, 2])
        var mask = Tensor<Double>.ones([2, 2, 4])
        mask[1, 0, 3] = 0
        mask[1, 1, 3] = 0
        GradientCheck.checkParameters("bilinear attention", store: store) { p in
            let (output, _) = bilinear(query: p.tape.constant(query), key: p.tape.constant(keys), value: p.tape.constant(values), mask: mask, p)
            return self.weighted(output, seed: 11)
        }
        GradientCheck.check("dot attention inputs", inputs: [query, keys, values]) { v in
            Attention.scaledDot(dimension: 3)(query: v[0], key: v[1], value: v[2], mask: mask, ParameterStore<Double>().bind(to: v[0].tape)).output
        }
        let tape = GradientTape<Double>()
        let (_, weights) = Attention.scaledDot(dimension: 3)(query: tape.constant(query), key: tape.constant(keys),
                                                            value: tape.constant(values), mask: mask, ParameterStore<Double>().bind(to: tape))
        #expect(weights.value[1, 0, 3] < 1e-12, "a masked key gets no weight")
        #expect(abs(weights.value.sum(axis: 2).sum() - 4) < 1e-12)
    }
}

import Testing
import WeirMath

struct AutodiffTests {
    var random = RandomSource(seed: 1234)

    mutating func normal(_ shape: [Int]) -> Tensor<Double> { random.normalTensor(shape) }
    mutating func positive(_ shape: [Int]) -> Tensor<Double> { random.uniformTensor(shape, in: 0.5..<3) }

    @Test mutating func arithmeticWithBroadcasting() {
        let a = normal([3, 4]), row = normal([4]), column = normal([3, 1]), p = positive([3, 4])
        GradientCheck.check("add", inputs: [a, row]) { $0[0] + $0[1] }
        GradientCheck.check("sub", inputs: [column, a]) { $0[0] - $0[1] }
        GradientCheck.check("mul", inputs: [a, column]) { $0[0] * $0[1] }
        GradientCheck.check("div", inputs: [a, p]) { $0[0] / $0[1] }
        GradientCheck.check("scalar ops", inputs: [a]) { (2.0 - $0[0] * 3 + 1) / 4 }
        GradientCheck.check("neg", inputs: [row]) { -$0[0] }
    }

    @Test mutating func elementwiseFunctions() {
        let x = normal([2, 5]), p = positive([2, 5])
        GradientCheck.check("exp", inputs: [x]) { $0[0].exp() }
        GradientCheck.check("log", inputs: [p]) { $0[0].log() }
        GradientCheck.check("tanh", inputs: [x]) { $0[0].tanh() }
        GradientCheck.check("sigmoid", inputs: [x]) { $0[0].sigmoid() }
        GradientCheck.check("softplus", inputs: [x]) { $0[0].softplus() }
        GradientCheck.check("relu", inputs: [x]) { $0[0].relu() }
        GradientCheck.check("squared", inputs: [x]) { $0[0].squared() }
        GradientCheck.check("sqrt", inputs: [p]) { $0[0].sqrt() }
        GradientCheck.check("abs", inputs: [x]) { $0[0].abs() }
        GradientCheck.check("pow", inputs: [p]) { $0[0].pow(2.5) }
        GradientCheck.check("lgamma", inputs: [p]) { $0[0].lgamma() }
        GradientCheck.check("log1p", inputs: [p]) { $0[0].log1p() }
    }

    @Test mutating func reductionsAndShapes() {
        let x = normal([2, 3, 4])
        GradientCheck.check("sum", inputs: [x]) { $0[0].sum() }
        GradientCheck.check("mean", inputs: [x]) { $0[0].mean() }
        GradientCheck.check("sum axis 1", inputs: [x]) { $0[0].sum(axis: 1) }
        GradientCheck.check("mean axis 2 kept", inputs: [x]) { $0[0].mean(axis: 2, keepingDimension: true) }
        GradientCheck.check("reshape", inputs: [x]) { $0[0].reshaped([6, 4]).squared() }
        GradientCheck.check("transpose", inputs: [x]) { $0[0].transposed * $0[0].transposed }
        GradientCheck.check("slice", inputs: [x]) { $0[0].sliced(axis: 2, 1..<3).exp() }
        let y = normal([2, 2, 4])
        GradientCheck.check("concatenate", inputs: [x, y]) { Variable.concatenate([$0[0], $0[1]], axis: 1).tanh() }
        GradientCheck.check("log-softmax", inputs: [normal([3, 5])]) { $0[0].logSoftmax() }
        GradientCheck.check("softmax", inputs: [normal([3, 5])]) { $0[0].softmax() }
    }

    @Test mutating func matrixProducts() {
        GradientCheck.check("matmul", inputs: [normal([3, 4]), normal([4, 2])]) { matmul($0[0], $0[1]) }
        GradientCheck.check("batched matmul", inputs: [normal([2, 3, 4]), normal([2, 4, 5])]) { matmul($0[0], $0[1]) }
        GradientCheck.check("batched x shared", inputs: [normal([2, 3, 4]), normal([4, 5])]) { matmul($0[0], $0[1]) }
        GradientCheck.check("matmul transposed", inputs: [normal([4, 3]), normal([4, 2])]) { matmul($0[0].transposed, $0[1]) }
    }

    @Test mutating func embeddingGradientsAreSparseRows() {
        let table = normal([6, 3])
        GradientCheck.check("gather", inputs: [table]) { $0[0].gatherRows([4, 1, 4, 0]).squared() }
        let tape = GradientTape<Double>()
        let parameter = tape.parameter(table)
        let loss = parameter.gatherRows([5, 2, 5]).sum()
        let gradient = tape.gradients(of: loss, with: [parameter])[0]
        guard case .sparseRows(let indices, let values, let shape) = gradient.coalesced() else {
            Issue.record("an embedding lookup must give a sparse gradient")
            return
        }
        #expect(indices == [2, 5] && shape == [6, 3])
        #expect(values.scalars == [1, 1, 1, 2, 2, 2])
    }

    @Test mutating func fusedAndStructuralOps() {
        let mask = Tensor<Double>(shape: [2, 3], scalars: [1, 0, 2, 0, 1, 1])
        GradientCheck.check("masked", inputs: [normal([2, 3])]) { $0[0].masked(by: mask) }
        GradientCheck.check("permuted", inputs: [normal([2, 3, 4])]) { $0[0].permuted([2, 0, 1]).tanh() }
        GradientCheck.check("scalar / x", inputs: [positive([5])]) { 3.0 / $0[0] }
        GradientCheck.check("affine", inputs: [normal([3, 2]), normal([2, 4]), normal([3, 5]), normal([5, 4]), normal([4])]) {
            Variable.affine([($0[0], $0[1]), ($0[2], $0[3])], bias: $0[4])
        }
        GradientCheck.check("lstm cell", inputs: [normal([2, 12]), normal([2, 3])]) {
            let (hidden, cell) = Variable.lstmCell(gates: $0[0], cell: $0[1])
            return Variable.concatenate([hidden, cell * 0.5], axis: 1)
        }
        GradientCheck.check("average pool", inputs: [normal([1, 2, 4, 4])]) { $0[0].averagePool(SlidingWindow(kernel: 2, stride: 2)) }
    }

    @Test func unusedParametersGetZeroGradientsAndConstantsNone() {
        let tape = GradientTape<Double>()
        let used = tape.parameter(Tensor([1, 2]))
        let unused = tape.parameter(Tensor([3]))
        let data = tape.constant(Tensor([5, 7]))
        let loss = (used * data).sum()
        let gradients = tape.gradients(of: loss, with: [used, unused])
        #expect(gradients[0].dense.scalars == [5, 7])
        #expect(gradients[1].dense.scalars == [0])
    }
}

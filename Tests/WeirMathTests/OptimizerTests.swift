import Testing
import WeirMath

struct OptimizerTests {
    /// Minimises the ill-conditioned quadratic 0.5 (10 a² + b²) - a - b from (3, -2); the
    /// minimum is (0.1, 1).
    func minimise<O: Optimizer>(_ optimizer: inout O, steps: Int) -> [Double] where O.Scalar == Double {
        let store = ParameterStore<Double>()
        let key = store.register("w", Tensor([3, -2]))
        let curvature = Tensor<Double>([10, 1])
        for _ in 0..<steps {
            let tape = GradientTape<Double>()
            let parameters = store.bind(to: tape)
            let w = parameters[key]
            let loss = ((w.squared() * tape.constant(curvature)).sum() * 0.5) - w.sum()
            optimizer.step(store, parameters.gradients(of: loss))
        }
        return store[key].scalars
    }

    @Test func everyOptimizerFindsTheMinimumOfAQuadratic() {
        func close(_ w: [Double], _ name: String) {
            #expect(abs(w[0] - 0.1) < 1e-3 && abs(w[1] - 1) < 1e-3, "\(name) ended at \(w)")
        }
        var sgd = SGD<Double>(learningRate: 0.05)
        close(minimise(&sgd, steps: 400), "sgd")
        var momentum = SGD<Double>(learningRate: 0.02, momentum: 0.9, nesterov: true)
        close(minimise(&momentum, steps: 400), "nesterov")
        var adam = Adam<Double>(learningRate: 0.05)
        close(minimise(&adam, steps: 2_000), "adam")
        var adagrad = AdaGrad<Double>(learningRate: 0.5)
        close(minimise(&adagrad, steps: 2_000), "adagrad")
        var rmsprop = RMSProp<Double>(learningRate: 0.01)
        close(minimise(&rmsprop, steps: 2_000), "rmsprop")
        var adadelta = Adadelta<Double>(learningRate: 1, rho: 0.95, epsilon: 1e-4)
        close(minimise(&adadelta, steps: 5_000), "adadelta")
    }

    @Test func weightDecayShrinksTheSolution() {
        var plain = SGD<Double>(learningRate: 0.05)
        var decayed = SGD<Double>(learningRate: 0.05, weightDecay: 1)
        let free = minimise(&plain, steps: 500), shrunk = minimise(&decayed, steps: 500)
        // With λ = 1 the minimum of 0.5 (c + 1) w² - w is 1 / (c + 1).
        #expect(abs(shrunk[0] - 1.0 / 11) < 1e-3 && abs(shrunk[1] - 0.5) < 1e-3)
        #expect(abs(shrunk[1]) < abs(free[1]))
    }

    @Test func sparseGradientsUpdateOnlyTheirRows() {
        let store = ParameterStore<Double>()
        let table = store.register("table", Tensor(shape: [5, 2], repeating: 1))
        var adam = Adam<Double>(learningRate: 0.1)
        let tape = GradientTape<Double>()
        let parameters = store.bind(to: tape)
        let loss = parameters[table].gatherRows([1, 3, 1]).sum()
        let gradients = parameters.gradients(of: loss)
        #expect(gradients[0].coalesced().shape == [5, 2])
        adam.step(store, gradients)
        let rows = store[table].scalars
        #expect(rows[0] == 1 && rows[1] == 1 && rows[4] == 1 && rows[5] == 1 && rows[8] == 1)
        #expect(rows[2] < 1 && rows[6] < 1)
    }

    @Test func clippingKeepsDirectionAndBoundsTheNorm() {
        let gradients: [Gradient<Double>] = [.dense(Tensor([3, 0])), .sparseRows(indices: [2], values: Tensor(shape: [1, 1], scalars: [4]), shape: [3, 1])]
        #expect(GradientClipping.globalNorm(gradients) == 5)
        let clipped = GradientClipping.clipByGlobalNorm(gradients, maximum: 1)
        #expect(abs(GradientClipping.globalNorm(clipped) - 1) < 1e-12)
        #expect(abs(clipped[0].dense.scalars[0] - 0.6) < 1e-12 && clipped[0].dense.scalars[1] == 0)
        #expect(GradientClipping.clipByValue([Gradient<Double>.dense(Tensor([-7, 0.5, 9]))], limit: 1)[0].dense.scalars == [-1, 0.5, 1])
    }

    @Test func schedulesAndEarlyStopping() {
        var step = LearningRateSchedule(.step(every: 2, factor: 0.5), initial: 1)
        let stepRates = (0..<4).map { _ in step.epochEnded(loss: 1) }
        #expect(stepRates == [1, 0.5, 0.5, 0.25])
        var plateau = LearningRateSchedule(.plateau(patience: 1, factor: 0.5, minimum: 0.2, threshold: 0), initial: 1)
        let rates = [5.0, 4, 4, 4, 3, 3, 3, 3, 3, 3].map { plateau.epochEnded(loss: $0) }
        #expect(rates == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2])
        var stopping = EarlyStopping(patience: 2, tolerance: 0.01)
        let improvements = [10, 9, 8.95, 9.5].map { stopping.record(loss: $0) }
        #expect(improvements == [true, true, false, false], "under 1% better does not count")
        #expect(stopping.shouldStop && stopping.bestEpoch == 1 && stopping.bestLoss == 9)
    }

    /// A 10-million-row embedding table: the gradient of a lookup is the rows read, and an
    /// optimizer step writes those rows in place instead of copying the table.
    @Test func tenMillionRowTableTrainsWithoutDenseGradientsOrCopies() {
        let rows = 10_000_000
        let store = ParameterStore<Float>()
        let table = store.register("ids.table", Tensor(shape: [rows, 1], repeating: 0.5))
        func address() -> UnsafePointer<Float>? { store[table].storage.withUnsafeBufferPointer { $0.baseAddress } }
        let before = address()
        var sgd = SGD<Float>(learningRate: 0.1)
        let (loss, gradients) = store.lossAndGradients { p in p[table].gatherRows([7, 9_999_999, 7]).sum() }
        #expect(loss == 1.5)
        guard case .sparseRows(let indices, let values, let shape) = gradients[0] else {
            Issue.record("the table's gradient must be sparse")
            return
        }
        #expect(indices == [7, 9_999_999, 7] && values.count == 3 && shape == [rows, 1])
        sgd.step(store, gradients)
        #expect(address() == before, "the step updated the table in place")
        #expect(store[table][7, 0] == 0.5 - 0.2 && store[table][9_999_999, 0] == 0.5 - 0.1 && store[table][8, 0] == 0.5)
    }
}

import Testing
import WeirMath

/// Finite-difference gradient checking in Float64: central differences of a scalar
/// function against the tape's gradients, for every element of every input.
enum GradientCheck {
    /// Checks `function` at `inputs`; vector results are reduced with fixed random weights,
    /// so every output element matters.
    static func check(_ name: String, inputs: [Tensor<Double>], tolerance: Double = 1e-6,
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ function: ([Variable<Double>]) -> Variable<Double>) {
        var random = RandomSource(seed: 99)
        var weights: Tensor<Double>?
        func scalarOutput(_ tape: GradientTape<Double>, _ variables: [Variable<Double>]) -> Variable<Double> {
            let output = function(variables)
            if output.value.count == 1 { return output.sum() }
            if weights == nil { weights = random.normalTensor(output.shape) }
            return (output * tape.constant(weights!)).sum()
        }
        let tape = GradientTape<Double>()
        let variables = inputs.map { tape.parameter($0) }
        let analytic = tape.gradients(of: scalarOutput(tape, variables), with: variables).map(\.dense)
        for (inputIndex, input) in inputs.enumerated() {
            #expect(analytic[inputIndex].shape == input.shape, "\(name): gradient shape", sourceLocation: sourceLocation)
            var worst = 0.0
            for element in 0..<input.count {
                func evaluate(_ delta: Double) -> Double {
                    var shifted = input.scalars
                    shifted[element] += delta
                    var perturbed = inputs
                    perturbed[inputIndex] = Tensor(shape: input.shape, scalars: shifted)
                    let probe = GradientTape<Double>()
                    return scalarOutput(probe, perturbed.map { probe.constant($0) }).value.scalar
                }
                let step = 1e-6 * max(1, abs(input.scalars[element]))
                let numeric = (evaluate(step) - evaluate(-step)) / (2 * step)
                let exact = analytic[inputIndex].scalars[element]
                worst = max(worst, abs(numeric - exact) / max(1, abs(numeric), abs(exact)))
            }
            #expect(worst < tolerance, "\(name): input \(inputIndex) relative error \(worst)", sourceLocation: sourceLocation)
        }
    }
}

extension GradientCheck {
    /// Checks the gradients of every parameter in `store` of the scalar `loss`. `loss` must
    /// be deterministic (seed any randomness inside it afresh on every call).
    static func checkParameters(_ name: String, store: ParameterStore<Double>, tolerance: Double = 1e-6,
                                sourceLocation: SourceLocation = #_sourceLocation,
                                _ loss: (BoundParameters<Double>) -> Variable<Double>) {
        let tape = GradientTape<Double>()
        let bound = store.bind(to: tape)
        let output = loss(bound)
        let analytic = bound.gradients(of: output.value.count == 1 ? output.sum() : output.sum()).map(\.dense)
        for key in store.keys {
            let original = store[key]
            var worst = 0.0
            for element in 0..<original.count {
                func evaluate(_ delta: Double) -> Double {
                    var shifted = original.scalars
                    shifted[element] += delta
                    store[key] = Tensor(shape: original.shape, scalars: shifted)
                    defer { store[key] = original }
                    return loss(store.bind(to: GradientTape<Double>())).sum().value.scalar
                }
                let step = 1e-6 * max(1, abs(original.scalars[element]))
                let numeric = (evaluate(step) - evaluate(-step)) / (2 * step)
                let exact = analytic[key.index].scalars[element]
                worst = max(worst, abs(numeric - exact) / max(1, abs(numeric), abs(exact)))
            }
            #expect(worst < tolerance, "\(name): parameter \(store.name(of: key)) relative error \(worst)", sourceLocation: sourceLocation)
        }
    }
}

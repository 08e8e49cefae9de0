import Testing
import WeirMath
@testable import WeirDeepAR

/// The DeepAR loss differentiated end to end (embeddings, both LSTM layers, the head and
/// each likelihood) against finite differences, and sampled quantiles against theory.
@Suite struct DeepARGradientTests {
    @Test(arguments: DeepARConfiguration.LikelihoodKind.allCases)
    func lossGradientsMatchFiniteDifferences(likelihood: DeepARConfiguration.LikelihoodKind) {
        var configuration = DeepARConfiguration(frequency: TimeFrequency("D")!, contextLength: 5, predictionLength: 3)
        configuration.cells = 6
        configuration.layers = 2
        configuration.dropoutRate = 0
        configuration.cardinality = [2]
        configuration.embeddingDimension = 2
        configuration.likelihood = likelihood
        let model = DeepARModel(configuration, seed: 4)
        var random = RandomSource(seed: 8)
        let series = (0..<3).map { index in
            DeepARSeries(start: 1_704_067_200, values: (0..<20).map { t -> Double in
                switch likelihood {
                case .beta: return 0.2 + 0.6 * random.uniform()
                case .negativeBinomial: return Double(random.uniformInt(below: 9))
                default: return index == 1 && t == 9 ? .nan : 5 + 3 * random.normal()
                }
            }, categories: [index % 2])
        }
        let starts = [0, 4, 12]
        let store = model.network.store
        func loss() -> Double {
            var masks = RandomSource(seed: 1)
            return Double(store.lossAndGradients { model.loss(series: series, starts: starts, $0, random: &masks) }.loss)
        }
        var masks = RandomSource(seed: 1)
        let gradients = store.lossAndGradients { model.loss(series: series, starts: starts, $0, random: &masks) }.gradients
        // L1 is piecewise linear: small steps, so that a difference rarely straddles a kink.
        let epsilon: Float = likelihood == .deterministicL1 ? 1e-3 : 1e-2
        var checked = 0
        for key in store.keys {
            let analytic = gradients[key.index].dense.scalars
            for index in Set([0, analytic.count / 2, analytic.count - 1]) {
                store.update(key) { $0[index] += epsilon }
                let plus = loss()
                store.update(key) { $0[index] -= 2 * epsilon }
                let minus = loss()
                store.update(key) { $0[index] += epsilon }
                let numeric = (plus - minus) / Double(2 * epsilon)
                #expect(abs(numeric - Double(analytic[index])) <= 3e-3 + 5e-2 * abs(numeric),
                        "\(likelihood) \(store.name(of: key))[\(index)]: numeric \(numeric), analytic \(analytic[index])")
                checked += 1
            }
        }
        #expect(checked >= 15)
    }

    @Test func sampledQuantilesMatchTheory() {
        let tape = GradientTape<Float>()
        let count = 40_000
        func constant(_ value: Float) -> Variable<Float> { tape.constant(Tensor(shape: [count, 1], repeating: value)) }
        var random = RandomSource(seed: 12)
        let gaussian = GaussianLikelihood(mu: constant(3), sigma: constant(2)).sample(random: &random).scalars.map(Double.init)
        // Standard normal quantiles at 0.1, 0.5, 0.9: -1.28155, 0, 1.28155.
        for (q, z) in [(0.1, -1.28155), (0.5, 0.0), (0.9, 1.28155)] {
            #expect(abs(Quantiles.quantile(gaussian, q) - (3 + 2 * z)) < 0.05, "gaussian q\(q)")
        }
        let student = StudentTLikelihood(mu: constant(1), sigma: constant(2), nu: constant(5)).sample(random: &random).scalars.map(Double.init)
        // Student-t with 5 degrees of freedom: quantiles 0.9 -> 1.47588, 0.975 -> 2.57058.
        for (q, t) in [(0.5, 0.0), (0.9, 1.47588), (0.975, 2.57058), (0.1, -1.47588)] {
            #expect(abs(Quantiles.quantile(student, q) - (1 + 2 * t)) < 0.08, "student-t q\(q)")
        }
        let forecast = DeepARForecast(samples: (0..<1_000).map { index in [Double(index), Double(2 * index)] })
        #expect(forecast.quantile(0.5) == [499.5, 999])
        #expect(forecast.mean == [499.5, 999])
    }
}

import Foundation
import Testing
import WeirMath

struct LikelihoodAndLossTests {
    func logProb<L: Likelihood>(_ likelihood: L, _ x: Double) -> Double where L.Scalar == Double {
        likelihood.logProbability(Tensor([x])).value.scalars[0]
    }

    @Test func logDensitiesMatchClosedForms() {
        let tape = GradientTape<Double>()
        func c(_ value: Double) -> Variable<Double> { tape.constant(Tensor([value])) }
        // Normal at its mean: -log(σ√(2π)).
        #expect(abs(logProb(GaussianLikelihood(mu: c(1), sigma: c(2)), 1) + log(2 * (2 * Double.pi).squareRoot())) < 1e-12)
        // Student-t with ν = 1 is Cauchy: density 1 / (πσ(1 + z²)).
        #expect(abs(logProb(StudentTLikelihood(mu: c(0), sigma: c(2), nu: c(1)), 2) + log(Double.pi * 2 * 2)) < 1e-12)
        // Beta(2, 3) at 0.5: 12 x (1 - x)² = 1.5.
        #expect(abs(logProb(BetaLikelihood(a: c(2), b: c(3)), 0.5) - log(1.5)) < 1e-12)
        // Negative binomial with α = 1 is geometric: P(k) = (1/(1+μ)) (μ/(1+μ))^k.
        #expect(abs(logProb(NegativeBinomialLikelihood(mu: c(2), alpha: c(1)), 3) - log(1.0 / 3 * pow(2.0 / 3, 3))) < 1e-12)
    }

    @Test func densitiesAreNormalised() {
        let tape = GradientTape<Double>()
        func c(_ value: Double) -> Variable<Double> { tape.constant(Tensor([value])) }
        let negativeBinomial = NegativeBinomialLikelihood(mu: c(7.5), alpha: c(0.4))
        let mass = (0..<2_000).reduce(0.0) { $0 + exp(logProb(negativeBinomial, Double($1))) }
        #expect(abs(mass - 1) < 1e-9)
        let studentT = StudentTLikelihood(mu: c(0.5), sigma: c(1.5), nu: c(4))
        let step = 0.01
        let grid = Tensor<Double>(stride(from: -400.0, through: 400.0, by: step).map { $0 })
        let density = studentT.logProbability(grid).value.exp().sum() * step
        #expect(abs(density - 1) < 1e-4)
    }

    @Test func logDensitiesAreDifferentiableInTheirParameters() {
        let x = Tensor<Double>([0.3, -1.2, 2.5])
        GradientCheck.check("gaussian", inputs: [Tensor([0.1, 0.2, -0.3]), Tensor([0.7, 1.1, 2.0])]) {
            GaussianLikelihood(mu: $0[0], sigma: $0[1]).logProbability(x)
        }
        GradientCheck.check("student-t", inputs: [Tensor([0.1, 0.2, -0.3]), Tensor([0.7, 1.1, 2.0]), Tensor([2.5, 4, 9])]) {
            StudentTLikelihood(mu: $0[0], sigma: $0[1], nu: $0[2]).logProbability(x)
        }
        let counts = Tensor<Double>([0, 3, 12])
        GradientCheck.check("negative binomial", inputs: [Tensor([0.5, 4, 10]), Tensor([0.2, 1.5, 0.05])]) {
            NegativeBinomialLikelihood(mu: $0[0], alpha: $0[1]).logProbability(counts)
        }
        let rates = Tensor<Double>([0.1, 0.5, 0.93])
        GradientCheck.check("beta", inputs: [Tensor([0.8, 2, 5]), Tensor([1.5, 3, 0.7])]) {
            BetaLikelihood(a: $0[0], b: $0[1]).logProbability(rates)
        }
    }

    @Test func samplesHaveTheDistributionsMoments() {
        let tape = GradientTape<Double>()
        let n = 100_000
        func c(_ value: Double) -> Variable<Double> { tape.constant(Tensor(shape: [n], repeating: value)) }
        var random = RandomSource(seed: 31)
        func check<L: Likelihood>(_ name: String, _ likelihood: L) where L.Scalar == Double {
            let draws = likelihood.sample(random: &random).scalars
            let moments = RunningMoments(draws)
            let mean = likelihood.mean.scalars[0], variance = likelihood.variance.scalars[0]
            #expect(abs(moments.mean - mean) < 5 * (variance / Double(n)).squareRoot(), "\(name) mean \(moments.mean) vs \(mean)")
            #expect(abs(moments.sampleVariance - variance) < 0.04 * variance, "\(name) variance \(moments.sampleVariance) vs \(variance)")
        }
        check("gaussian", GaussianLikelihood(mu: c(-2), sigma: c(0.5)))
        check("student-t", StudentTLikelihood(mu: c(1), sigma: c(2), nu: c(8)))
        check("negative binomial", NegativeBinomialLikelihood(mu: c(20), alpha: c(0.25)))
        check("beta", BetaLikelihood(a: c(2.5), b: c(4)))
    }

    @Test func lossValuesAndGradients() {
        let tape = GradientTape<Double>()
        let prediction = tape.constant(Tensor([1, 2, 4]))
        let target = Tensor<Double>([1, 3, 1])
        #expect(Losses.meanSquaredError(prediction, target).value.scalar == 10.0 / 3)
        #expect(Losses.meanAbsoluteError(prediction, target).value.scalar == 4.0 / 3)
        #expect(abs(Losses.huber(prediction, target, delta: 1).value.scalar - (0 + 0.5 + 2.5) / 3) < 1e-12)
        #expect(abs(Losses.quantile(prediction, target, q: 0.9).value.scalar - (0.9 * 1 + 0.1 * 3) / 3) < 1e-12)
        let logits = tape.constant(Tensor(rows: [[2, 0, -1], [0, 0, 0]]))
        let e2: Double = exp(2.0), eMinus1: Double = exp(-1.0)
        let expected: Double = (-log(e2 / (e2 + 1 + eMinus1)) + log(3.0)) / 2
        #expect(abs(Losses.softmaxCrossEntropy(logits: logits, labels: [0, 2]).value.scalar - expected) < 1e-12)
        let logistic = Losses.logistic(logits: tape.constant(Tensor([800, -800, 0])), labels: Tensor([1, 1, 0])).value.scalar
        #expect(abs(logistic - (800 + log(2.0)) / 3) < 1e-9)
        let hinge = Losses.hinge(scores: tape.constant(Tensor<Double>([2, 0.5, -1])), labels: Tensor<Double>([1, 1, 1])).value.scalar
        #expect(hinge == 2.5 / 3)

        let x = Tensor<Double>([0.3, -1.7, 2.2, 0.05]), y = Tensor<Double>([0, 1, 1, 0])
        GradientCheck.check("mse", inputs: [x]) { Losses.meanSquaredError($0[0], y) }
        GradientCheck.check("huber", inputs: [x]) { Losses.huber($0[0], y, delta: 0.5) }
        GradientCheck.check("quantile", inputs: [x]) { Losses.quantile($0[0], y, q: 0.3) }
        GradientCheck.check("logistic", inputs: [x]) { Losses.logistic(logits: $0[0], labels: y) }
        GradientCheck.check("hinge", inputs: [x]) { Losses.hinge(scores: $0[0], labels: y * 2 - 1) }
        GradientCheck.check("softmax cross-entropy", inputs: [Tensor(shape: [2, 2], scalars: x.scalars)]) {
            Losses.softmaxCrossEntropy(logits: $0[0], labels: [1, 0])
        }
    }
}

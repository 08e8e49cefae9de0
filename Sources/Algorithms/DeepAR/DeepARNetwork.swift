#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirMath

/// The DeepAR network: category embeddings, a stacked LSTM over the per-step inputs,
/// and a dense head giving the likelihood's parameters for each step. Values travel
/// scaled by their window's mean absolute value (the likelihood is evaluated and
/// sampled on the scaled values, then scaled back), except for the negative binomial,
/// whose mean and shape are mapped to the original scale as GluonTS does, and the beta,
/// whose values already lie in (0, 1).
public final class DeepARNetwork {
    public let configuration: DeepARConfiguration
    public let store: ParameterStore<Float>
    let lstm: LSTM
    let embeddings: [Embedding]
    let head: Dense

    public init(_ configuration: DeepARConfiguration, seed: UInt64) {
        self.configuration = configuration
        var random = RandomSource(seed: seed)
        let store = ParameterStore<Float>()
        self.store = store
        var embeddings: [Embedding] = []
        for (index, count) in configuration.cardinality.enumerated() {
            embeddings.append(Embedding("cat\(index)", count: max(count, 1), dimension: configuration.embeddingDimension,
                                        initializer: .normal(standardDeviation: 0.1), store: store, random: &random))
        }
        self.embeddings = embeddings
        lstm = LSTM("rnn", inputSize: configuration.inputSize, hiddenSize: configuration.cells, layers: configuration.layers,
                    store: store, random: &random)
        head = Dense("head", inputSize: configuration.cells, outputSize: configuration.headWidth, store: store, random: &random)
    }

    var regularization: RecurrentRegularization {
        RecurrentRegularization(dropout: min(max(configuration.dropoutRate, 0), 0.95))
    }

    /// The per-step inputs on the tape: the numeric features of every row, then the
    /// rows' category embeddings repeated at each step.
    func inputs(_ numeric: [Tensor<Float>], categories: [[Int]], _ parameters: BoundParameters<Float>) -> [Variable<Float>] {
        let tape = parameters.tape
        guard !embeddings.isEmpty else { return numeric.map { tape.constant($0) } }
        let embedded = embeddings.enumerated().map { index, embedding in
            embedding(categories.map { min(max($0[index], 0), embedding.count - 1) }, parameters)
        }
        return numeric.map { Variable.concatenate([tape.constant($0)] + embedded, axis: 1) }
    }

    /// The likelihood for head outputs `raw` ([rows, headWidth]) of values scaled by
    /// `scale` ([rows, 1]); `observationScale` says how to present observations to it.
    struct Distribution {
        let kind: DeepARConfiguration.LikelihoodKind
        let first: Variable<Float>
        let second: Variable<Float>?
        let third: Variable<Float>?

        func logProbability(_ observation: Tensor<Float>) -> Variable<Float> {
            switch kind {
            case .studentT: return StudentTLikelihood(mu: first, sigma: second!, nu: third!).logProbability(observation)
            case .gaussian: return GaussianLikelihood(mu: first, sigma: second!).logProbability(observation)
            case .negativeBinomial: return NegativeBinomialLikelihood(mu: first, alpha: second!).logProbability(observation)
            case .beta: return BetaLikelihood(a: first, b: second!).logProbability(observation)
            case .deterministicL1: return -((first - first.tape.constant(observation)).abs())
            }
        }

        func sample(random: inout RandomSource) -> Tensor<Float> {
            switch kind {
            case .studentT: return StudentTLikelihood(mu: first, sigma: second!, nu: third!).sample(random: &random)
            case .gaussian: return GaussianLikelihood(mu: first, sigma: second!).sample(random: &random)
            case .negativeBinomial: return NegativeBinomialLikelihood(mu: first, alpha: second!).sample(random: &random)
            case .beta: return BetaLikelihood(a: first, b: second!).sample(random: &random)
            case .deterministicL1: return first.value
            }
        }
    }

    func distribution(_ hidden: Variable<Float>, scale: Tensor<Float>, _ parameters: BoundParameters<Float>) -> Distribution {
        let raw = head(hidden, parameters)
        let width = configuration.headWidth
        func column(_ index: Int) -> Variable<Float> { raw.sliced(axis: 1, index..<(index + 1)) }
        switch configuration.likelihood {
        case .studentT:
            return Distribution(kind: .studentT, first: column(0), second: column(1).softplus() + Float(1e-3),
                                third: column(2).softplus() + Float(2))
        case .gaussian:
            return Distribution(kind: .gaussian, first: column(0), second: column(1).softplus() + Float(1e-3), third: nil)
        case .negativeBinomial:
            let tape = parameters.tape
            let mu = (column(0).softplus() + Float(1e-6)) * tape.constant(scale)
            let alpha = (column(1).softplus() + Float(1e-6)) / tape.constant(scale.map { $0.squareRoot() })
            return Distribution(kind: .negativeBinomial, first: mu, second: alpha, third: nil)
        case .beta:
            return Distribution(kind: .beta, first: column(0).softplus() + Float(1e-3), second: column(1).softplus() + Float(1e-3), third: nil)
        case .deterministicL1:
            precondition(width == 1)
            return Distribution(kind: .deterministicL1, first: column(0), second: nil, third: nil)
        }
    }
}

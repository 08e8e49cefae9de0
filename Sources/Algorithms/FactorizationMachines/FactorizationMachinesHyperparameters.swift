import WeirAlgorithm

/// Factorization Machines' hyperparameters by SageMaker's names and defaults: the bias,
/// linear and factor terms each with their own initialisation (normal, uniform or
/// constant), learning rate and weight decay. Weir adds `seed`.
public struct FactorizationMachinesHyperparameters: HyperparameterSet {
    public enum PredictorType: String, Sendable, CaseIterable {
        case binaryClassifier = "binary_classifier"
        case regressor
    }

    public enum InitMethod: String, Sendable, CaseIterable {
        case normal, uniform, constant
    }

    /// How one group of parameters (bias, linear or factors) starts and learns.
    public struct Term: Sendable, Equatable {
        public var initMethod: InitMethod
        public var initScale: Double
        public var initSigma: Double
        public var initValue: Double
        public var learningRate: Double
        public var weightDecay: Double
    }

    static let featureDim = HyperparameterKey<Int>.integer("feature_dim", 1...100_000_000, help: "Values per record (columns of the sparse input).")
    static let numFactors = HyperparameterKey<Int>.integer("num_factors", 1...1_000, help: "Dimension of each feature's factor vector.")
    static let predictorType = HyperparameterKey<PredictorType>.choice("predictor_type", help: "binary_classifier or regressor.")
    static let epochs = HyperparameterKey<Int>.integer("epochs", 1...100_000, default: 1, help: "Passes over the training data.")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...1_000_000, default: 1000, help: "Records per update.")
    static let clipGradient = HyperparameterKey<Double?>.realOrAuto("clip_gradient", 0...1e12,
        help: "Clips each gradient value to [-clip_gradient, clip_gradient] (auto: no clipping).")
    static let eps = HyperparameterKey<Double>.real("eps", 0...1, default: 1e-8, help: "The optimiser's small constant against division by zero.")
    static let rescaleGrad = HyperparameterKey<Double>.real("rescale_grad", 0...1e12, default: 1,
        help: "Multiplies the mini-batch's mean gradient before each update.")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Seeds initial values and shuffling (Weir's addition).")

    /// The six keys of one term, by SageMaker's prefix (`bias`, `linear`, `factors`).
    struct TermKeys {
        let method, scale, sigma, value, rate, decay: HyperparameterDefinition
        let methodKey: HyperparameterKey<InitMethod>
        let scaleKey, sigmaKey, valueKey, rateKey, decayKey: HyperparameterKey<Double>

        init(_ prefix: String, sigma: Double, rate: Double, decay: Double) {
            methodKey = .choice("\(prefix)_init_method", default: .normal, help: "How the \(prefix) term starts: normal, uniform or constant.")
            scaleKey = .real("\(prefix)_init_scale", 0...1e6, default: 0.01, help: "uniform init's half-width for the \(prefix) term.")
            sigmaKey = .real("\(prefix)_init_sigma", 0...1e6, default: sigma, help: "normal init's standard deviation for the \(prefix) term.")
            valueKey = .real("\(prefix)_init_value", -1e6...1e6, default: 0, help: "constant init's value for the \(prefix) term.")
            rateKey = .real("\(prefix)_lr", 0...1e3, default: rate, help: "The \(prefix) term's learning rate.")
            decayKey = .real("\(prefix)_wd", 0...1e6, default: decay, help: "The \(prefix) term's L2 weight decay.")
            method = methodKey.definition
            scale = scaleKey.definition
            self.sigma = sigmaKey.definition
            value = valueKey.definition
            self.rate = rateKey.definition
            self.decay = decayKey.definition
        }

        var definitions: [HyperparameterDefinition] { [method, scale, sigma, value, rate, decay] }

        func read(_ values: Hyperparameters) throws(HyperparameterError) -> Term {
            Term(initMethod: try values[methodKey], initScale: try values[scaleKey], initSigma: try values[sigmaKey],
                 initValue: try values[valueKey], learningRate: try values[rateKey], weightDecay: try values[decayKey])
        }
    }

    static let biasKeys = TermKeys("bias", sigma: 0.01, rate: 0.1, decay: 0.01)
    static let linearKeys = TermKeys("linear", sigma: 0.01, rate: 0.001, decay: 0.001)
    static let factorsKeys = TermKeys("factors", sigma: 0.001, rate: 0.0001, decay: 0.00001)

    public static let schema: [HyperparameterDefinition] =
        [featureDim, numFactors, epochs, miniBatchSize, seed].map(\.definition)
        + [predictorType.definition, clipGradient.definition, eps.definition, rescaleGrad.definition]
        + biasKeys.definitions + linearKeys.definitions + factorsKeys.definitions

    public let featureDimension: Int
    public let factors: Int
    public let predictor: PredictorType
    public let epochs: Int
    public let batchSize: Int
    public let clipGradient: Double?
    public let epsilon: Double
    public let rescaleGradient: Double
    public let bias: Term
    public let linear: Term
    public let factorTerm: Term
    public let seed: UInt64

    /// Parameters the model may hold: features x (factors + 1), kept three times over
    /// (values and the optimiser's two moments).
    static let maximumParameters = 400_000_000

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        featureDimension = try values[Self.featureDim]
        factors = try values[Self.numFactors]
        predictor = try values[Self.predictorType]
        epochs = try values[Self.epochs]
        batchSize = try values[Self.miniBatchSize]
        clipGradient = try values[Self.clipGradient]
        epsilon = try values[Self.eps]
        rescaleGradient = try values[Self.rescaleGrad]
        bias = try Self.biasKeys.read(values)
        linear = try Self.linearKeys.read(values)
        factorTerm = try Self.factorsKeys.read(values)
        seed = UInt64(try values[Self.seed])
        let (parameters, overflow) = featureDimension.multipliedReportingOverflow(by: factors + 1)
        guard !overflow, parameters <= Self.maximumParameters else {
            throw HyperparameterError(name: "num_factors", value: String(factors),
                                      message: "\(featureDimension) features x \(factors + 1) values is over \(Self.maximumParameters) parameters")
        }
    }

    var labelKind: LabelKind { predictor == .binaryClassifier ? .binary : .real }
}

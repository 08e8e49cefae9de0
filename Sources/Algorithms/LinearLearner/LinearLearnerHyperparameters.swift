import WeirAlgorithm

/// Linear Learner's hyperparameters by SageMaker's names and defaults. A value left at
/// `auto` is chosen by the algorithm; `learning_rate`, `wd` and `l1` left at `auto` are
/// searched across the `num_models` models trained side by side (one model takes the
/// central values, the others spread around them). Weir adds `seed`.
public struct LinearLearnerHyperparameters: HyperparameterSet {
    public enum PredictorType: String, Sendable, CaseIterable {
        case binaryClassifier = "binary_classifier"
        case multiclassClassifier = "multiclass_classifier"
        case regressor
    }

    public enum Loss: String, Sendable, CaseIterable {
        case auto, logistic, hinge = "hinge_loss", softmax = "softmax_loss"
        case squared = "squared_loss", absolute = "absolute_loss"
        case epsilonInsensitiveSquared = "eps_insensitive_squared_loss", epsilonInsensitiveAbsolute = "eps_insensitive_absolute_loss"
        case quantile = "quantile_loss", huber = "huber_loss"

        /// The losses each predictor type takes (auto: the first).
        static func allowed(for type: PredictorType) -> [Loss] {
            switch type {
            case .binaryClassifier: return [.logistic, .hinge]
            case .multiclassClassifier: return [.softmax]
            case .regressor: return [.squared, .absolute, .epsilonInsensitiveSquared, .epsilonInsensitiveAbsolute, .quantile, .huber]
            }
        }
    }

    public enum OptimizerKind: String, Sendable, CaseIterable {
        case auto, sgd, adam, rmsprop
    }

    public enum InitMethod: String, Sendable, CaseIterable {
        case uniform, normal
    }

    /// How the binary classifier's model and decision threshold are chosen on the
    /// validation channel (or the training data without one).
    public enum SelectionCriterion: String, Sendable, CaseIterable {
        case accuracy
        case fBeta = "f_beta"
        case precisionAtTargetRecall = "precision_at_target_recall"
        case recallAtTargetPrecision = "recall_at_target_precision"
        case lossFunction = "loss_function"

        static func parse(_ text: String) -> SelectionCriterion? {
            switch text.lowercased() {
            case "f1": return .fBeta
            case "cross_entropy_loss": return .lossFunction
            default: return SelectionCriterion(rawValue: text.lowercased())
            }
        }
    }

    /// The weight of positive examples in a binary classifier's loss.
    public enum PositiveWeight: Sendable, Equatable {
        case value(Double)
        /// Negatives / positives in the training data: both classes weigh the same.
        case balanced
        /// Balanced when the selection criterion is about precision or recall of the
        /// positive class (f_beta, precision_at_target_recall, recall_at_target_precision), 1 otherwise.
        case auto

        static func parse(_ text: String) -> PositiveWeight? {
            switch text.lowercased() {
            case "balanced": return .balanced
            case "auto": return .auto
            default:
                guard let number = Double(text), number > 0, number <= 1e6 else { return nil }
                return .value(number)
            }
        }
    }

    static let predictorType = HyperparameterKey<PredictorType>.choice("predictor_type",
        help: "binary_classifier, multiclass_classifier or regressor.")
    static let numClasses = HyperparameterKey<Int?>.integerOrAuto("num_classes", 3...1_000_000,
        help: "Classes of a multiclass classifier, labelled 0...num_classes-1 (required for multiclass_classifier).")
    static let featureDim = HyperparameterKey<Int?>.integerOrAuto("feature_dim", 1...100_000_000,
        help: "Values per record (auto: the first record's width, or the widest sparse record).")
    static let epochs = HyperparameterKey<Int>.integer("epochs", 1...100_000, default: 15, help: "Passes over the training data.")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...1_000_000, default: 1000, help: "Records per update.")
    static let learningRate = HyperparameterKey<Double?>.realOrAuto("learning_rate", 0...10,
        help: "Step size (auto: searched across the models around 0.01 for adam and rmsprop, 0.1 for sgd).")
    static let wd = HyperparameterKey<Double?>.realOrAuto("wd", 0...1_000, help: "L2 regularisation (auto: searched across the models; 0 for the central one).")
    static let l1 = HyperparameterKey<Double?>.realOrAuto("l1", 0...1_000, help: "L1 regularisation (auto: 0 for most models, small values for some).")
    static let momentum = HyperparameterKey<Double?>.realOrAuto("momentum", 0...0.999_999, help: "sgd's momentum (auto: 0).")
    static let beta1 = HyperparameterKey<Double?>.realOrAuto("beta_1", 0...0.999_999, help: "adam's first-moment decay (auto: 0.9).")
    static let beta2 = HyperparameterKey<Double?>.realOrAuto("beta_2", 0...0.999_999_999,
        help: "adam's and rmsprop's second-moment decay (auto: 0.999 for adam, 0.9 for rmsprop).")
    static let biasLRMult = HyperparameterKey<Double?>.realOrAuto("bias_lr_mult", 1e-6...1_000, help: "The bias's learning rate over learning_rate (auto: 1).")
    static let biasWDMult = HyperparameterKey<Double?>.realOrAuto("bias_wd_mult", 0...1_000, help: "The bias's L2 over wd (auto: 0, no regularisation of the bias).")
    static let optimizer = HyperparameterKey<OptimizerKind>.choice("optimizer", default: .auto, help: "auto (adam), sgd, adam or rmsprop.")
    static let loss = HyperparameterKey<Loss>.choice("loss", default: .auto,
        help: "auto (logistic, softmax_loss or squared_loss by predictor_type) or a loss the predictor type takes.")
    static let margin = HyperparameterKey<Double>.real("margin", 0...1e6, default: 1.0, help: "hinge_loss's margin.")
    static let quantile = HyperparameterKey<Double>.real("quantile", 0...1, default: 0.5, help: "quantile_loss's quantile (strictly between 0 and 1).")
    static let lossInsensitivity = HyperparameterKey<Double>.real("loss_insensitivity", 0...1e12, default: 0.01,
        help: "Errors below this cost nothing (eps_insensitive losses), in label units.")
    static let huberDelta = HyperparameterKey<Double>.real("huber_delta", 0...1e12, default: 1.0,
        help: "huber_loss is squared below this error and linear above, in label units.")
    static let normalizeData = HyperparameterKey<Bool>.boolean("normalize_data", default: true,
        help: "Scale each feature to unit variance (and centre dense features) before training.")
    static let normalizeLabel = HyperparameterKey<Bool?>.booleanOrAuto("normalize_label",
        help: "Centre and scale a regressor's label (auto: true for regressor; classifiers never).")
    static let unbiasData = HyperparameterKey<Bool?>.booleanOrAuto("unbias_data",
        help: "Centre features when normalising (auto: dense data yes, sparse data no, so that sparse data stays sparse).")
    static let numPointForScaler = HyperparameterKey<Int>.integer("num_point_for_scaler", 1...100_000_000, default: 10_000,
        help: "Records the scalers are computed from.")
    static let useBias = HyperparameterKey<Bool>.boolean("use_bias", default: true, help: "Learn a bias term.")
    static let initMethod = HyperparameterKey<InitMethod>.choice("init_method", default: .uniform, help: "uniform or normal initial weights.")
    static let initScale = HyperparameterKey<Double>.real("init_scale", 0...1e3, default: 0.07, help: "uniform init's half-width.")
    static let initSigma = HyperparameterKey<Double>.real("init_sigma", 0...1e3, default: 0.01, help: "normal init's standard deviation.")
    static let initBias = HyperparameterKey<Double>.real("init_bias", -1e6...1e6, default: 0, help: "The bias's initial value.")
    static let numModels = HyperparameterKey<Int?>.integerOrAuto("num_models", 1...256,
        help: "Models trained side by side with different learning rates and regularisation; the best on validation is kept (auto: 8, or 1 when nothing is searched).")
    static let numCalibrationSamples = HyperparameterKey<Int>.integer("num_calibration_samples", 1...100_000_000, default: 10_000_000,
        help: "Records the model choice and the binary threshold are calibrated on.")
    static let criterion = HyperparameterKey<SelectionCriterion>.parsed("binary_classifier_model_selection_criteria",
        expecting: "accuracy, f_beta, precision_at_target_recall, recall_at_target_precision or loss_function", default: "accuracy",
        help: "What the binary classifier's model and threshold maximise.", SelectionCriterion.parse)
    static let targetPrecision = HyperparameterKey<Double>.real("target_precision", 0...1, default: 0.8, help: "For recall_at_target_precision.")
    static let targetRecall = HyperparameterKey<Double>.real("target_recall", 0...1, default: 0.8, help: "For precision_at_target_recall.")
    static let fBeta = HyperparameterKey<Double>.real("f_beta", 1e-6...1e6, default: 1.0, help: "beta of the F score (f_beta criterion and metrics).")
    static let positiveWeight = HyperparameterKey<PositiveWeight>.parsed("positive_example_weight_mult",
        expecting: "a positive number, balanced or auto", default: "1.0",
        help: "Weight of positive examples in a binary classifier's loss: a number, balanced or auto.", PositiveWeight.parse)
    static let balanceMulticlass = HyperparameterKey<Bool>.boolean("balance_multiclass_weights", default: false,
        help: "Weigh each class by the inverse of its frequency (multiclass).")
    static let patience = HyperparameterKey<Int>.integer("early_stopping_patience", 1...100_000, default: 3,
        help: "Epochs without improvement before training stops.")
    static let tolerance = HyperparameterKey<Double>.real("early_stopping_tolerance", 0...1, default: 0.001,
        help: "Relative loss improvement that counts as improvement.")
    static let topK = HyperparameterKey<Int>.integer("accuracy_top_k", 1...1_000_000, default: 3, help: "k of the multiclass top-k accuracy.")
    static let useScheduler = HyperparameterKey<Bool>.boolean("use_lr_scheduler", default: true, help: "Decay the learning rate as training goes.")
    static let schedulerStep = HyperparameterKey<Int?>.integerOrAuto("lr_scheduler_step", 1...100_000_000,
        help: "Updates between decays (auto: one epoch's updates).")
    static let schedulerFactor = HyperparameterKey<Double?>.realOrAuto("lr_scheduler_factor", 1e-6...1, help: "Decay factor (auto: 0.8).")
    static let schedulerMinimum = HyperparameterKey<Double?>.realOrAuto("lr_scheduler_minimum_lr", 0...10,
        help: "The learning rate never decays below this (auto: a thousandth of the starting rate).")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Seeds initial weights, shuffling and the model search (Weir's addition).")

    public static let schema: [HyperparameterDefinition] = [
        predictorType.definition, numClasses.definition, featureDim.definition, epochs.definition, miniBatchSize.definition,
        learningRate.definition, wd.definition, l1.definition, momentum.definition, beta1.definition, beta2.definition,
        biasLRMult.definition, biasWDMult.definition, optimizer.definition, loss.definition, margin.definition, quantile.definition,
        lossInsensitivity.definition, huberDelta.definition, normalizeData.definition, normalizeLabel.definition, unbiasData.definition,
        numPointForScaler.definition, useBias.definition, initMethod.definition, initScale.definition, initSigma.definition,
        initBias.definition, numModels.definition, numCalibrationSamples.definition, criterion.definition, targetPrecision.definition,
        targetRecall.definition, fBeta.definition, positiveWeight.definition, balanceMulticlass.definition, patience.definition,
        tolerance.definition, topK.definition, useScheduler.definition, schedulerStep.definition, schedulerFactor.definition,
        schedulerMinimum.definition, seed.definition,
    ]

    public let predictor: PredictorType
    /// 1 for binary classifiers and regressors.
    public let classes: Int
    public let featureDimension: Int?
    public let epochs: Int
    public let batchSize: Int
    public let learningRate: Double?
    public let weightDecay: Double?
    public let l1: Double?
    public let momentum: Double
    public let beta1: Double
    public let beta2: Double
    public let biasLearningRateMultiplier: Double
    public let biasWeightDecayMultiplier: Double
    public let optimizer: OptimizerKind
    public let loss: Loss
    public let margin: Double
    public let quantile: Double
    public let lossInsensitivity: Double
    public let huberDelta: Double
    public let normalizeData: Bool
    public let normalizeLabel: Bool
    public let unbiasData: Bool?
    public let scalerPoints: Int
    public let useBias: Bool
    public let initMethod: InitMethod
    public let initScale: Double
    public let initSigma: Double
    public let initBias: Double
    public let modelCount: Int
    public let calibrationSamples: Int
    public let criterion: SelectionCriterion
    public let targetPrecision: Double
    public let targetRecall: Double
    public let fBeta: Double
    public let positiveWeight: PositiveWeight
    public let balanceMulticlassWeights: Bool
    public let patience: Int
    public let tolerance: Double
    public let topK: Int
    public let useScheduler: Bool
    public let schedulerStep: Int?
    public let schedulerFactor: Double
    public let schedulerMinimum: Double?
    public let seed: UInt64

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        predictor = try values[Self.predictorType]
        let numClasses = try values[Self.numClasses]
        if predictor == .multiclassClassifier {
            guard let numClasses else {
                throw HyperparameterError(name: "num_classes", value: "auto", message: "is required with predictor_type multiclass_classifier (3...1000000)")
            }
            classes = numClasses
        } else {
            classes = 1
        }
        featureDimension = try values[Self.featureDim]
        epochs = try values[Self.epochs]
        batchSize = try values[Self.miniBatchSize]
        learningRate = try values[Self.learningRate]
        if let learningRate, !(learningRate > 0) {
            throw HyperparameterError(name: "learning_rate", value: String(learningRate), message: "expected a number above 0 or auto")
        }
        weightDecay = try values[Self.wd]
        l1 = try values[Self.l1]
        let chosenOptimizer = try values[Self.optimizer]
        optimizer = chosenOptimizer == .auto ? .adam : chosenOptimizer
        momentum = try values[Self.momentum] ?? 0
        beta1 = try values[Self.beta1] ?? 0.9
        beta2 = try values[Self.beta2] ?? (optimizer == .rmsprop ? 0.9 : 0.999)
        biasLearningRateMultiplier = try values[Self.biasLRMult] ?? 1
        biasWeightDecayMultiplier = try values[Self.biasWDMult] ?? 0
        let chosenLoss = try values[Self.loss]
        let allowed = Loss.allowed(for: predictor)
        if chosenLoss == .auto {
            loss = allowed[0]
        } else {
            guard allowed.contains(chosenLoss) else {
                throw HyperparameterError(name: "loss", value: chosenLoss.rawValue,
                                          message: "predictor_type \(predictor.rawValue) takes auto, \(allowed.map(\.rawValue).joined(separator: ", "))")
            }
            loss = chosenLoss
        }
        margin = try values[Self.margin]
        quantile = try values[Self.quantile]
        guard quantile > 0 && quantile < 1 else {
            throw HyperparameterError(name: "quantile", value: String(quantile), message: "expected a number strictly between 0 and 1")
        }
        lossInsensitivity = try values[Self.lossInsensitivity]
        huberDelta = try values[Self.huberDelta]
        guard huberDelta > 0 else { throw HyperparameterError(name: "huber_delta", value: String(huberDelta), message: "expected a number above 0") }
        normalizeData = try values[Self.normalizeData]
        let labelFlag = try values[Self.normalizeLabel]
        normalizeLabel = predictor == .regressor && (labelFlag ?? true)
        unbiasData = try values[Self.unbiasData]
        scalerPoints = try values[Self.numPointForScaler]
        useBias = try values[Self.useBias]
        initMethod = try values[Self.initMethod]
        initScale = try values[Self.initScale]
        initSigma = try values[Self.initSigma]
        initBias = try values[Self.initBias]
        let searched = learningRate == nil || weightDecay == nil || l1 == nil
        modelCount = try values[Self.numModels] ?? (searched ? 8 : 1)
        calibrationSamples = try values[Self.numCalibrationSamples]
        criterion = try values[Self.criterion]
        targetPrecision = try values[Self.targetPrecision]
        targetRecall = try values[Self.targetRecall]
        fBeta = try values[Self.fBeta]
        positiveWeight = try values[Self.positiveWeight]
        balanceMulticlassWeights = try values[Self.balanceMulticlass]
        patience = try values[Self.patience]
        tolerance = try values[Self.tolerance]
        topK = try values[Self.topK]
        useScheduler = try values[Self.useScheduler]
        schedulerStep = try values[Self.schedulerStep]
        schedulerFactor = try values[Self.schedulerFactor] ?? 0.8
        schedulerMinimum = try values[Self.schedulerMinimum]
        seed = UInt64(try values[Self.seed])
        if let featureDimension {
            try Self.checkSize(features: featureDimension, outputs: classes, models: modelCount)
        }
    }

    /// Weights of all models must fit in memory: features x outputs x models Float values,
    /// kept three times over (weights, and the optimiser's two moments).
    static let maximumWeights = 400_000_000

    static func checkSize(features: Int, outputs: Int, models: Int) throws(HyperparameterError) {
        let (perModel, overflow1) = features.multipliedReportingOverflow(by: outputs)
        let (total, overflow2) = perModel.multipliedReportingOverflow(by: models)
        guard !overflow1, !overflow2, total <= maximumWeights else {
            throw HyperparameterError(name: "num_models", value: String(models),
                                      message: "\(features) features x \(outputs) outputs x \(models) models is over \(maximumWeights) weights; lower num_models")
        }
    }

    /// What the labels are.
    var labelKind: LabelKind {
        switch predictor {
        case .binaryClassifier: return .binary
        case .multiclassClassifier: return .classes(classes)
        case .regressor: return .real
        }
    }

    /// The positive-class weight for a training set with these class counts.
    func positiveClassWeight(positives: Int, negatives: Int) -> Double {
        let balanced = positives > 0 && negatives > 0 ? Double(negatives) / Double(positives) : 1
        switch positiveWeight {
        case .value(let value): return value
        case .balanced: return balanced
        case .auto:
            switch criterion {
            case .fBeta, .precisionAtTargetRecall, .recallAtTargetPrecision: return balanced
            case .accuracy, .lossFunction: return 1
            }
        }
    }
}

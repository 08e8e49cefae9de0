import WeirAlgorithm
import WeirCore

/// SageMaker's DeepAR hyperparameters, typed, plus Weir's `num_batches_per_epoch` and `seed`.
public struct DeepARHyperparameters: HyperparameterSet {
    /// `cardinality`: from the data, none, or given per categorical feature.
    public enum Cardinality: Sendable, Equatable {
        case auto, ignore
        case explicit([Int])

        init?(_ text: String) {
            switch text.lowercased() {
            case "auto": self = .auto
            case "ignore", "": self = .ignore
            default:
                guard case .array(let items)? = try? JSONParser.parse(text), !items.isEmpty else { return nil }
                var values: [Int] = []
                for item in items {
                    guard let number = item.doubleValue ?? item.stringValue.flatMap(Double.init), let value = Int(exactly: number),
                          (1...10_000_000).contains(value) else { return nil }
                    values.append(value)
                }
                self = .explicit(values)
            }
        }
    }

    /// `num_dynamic_feat`: from the data, none, or a count.
    public enum DynamicFeatures: Sendable, Equatable {
        case auto, ignore
        case count(Int)

        init?(_ text: String) {
            switch text.lowercased() {
            case "auto": self = .auto
            case "ignore": self = .ignore
            default:
                guard let number = Double(text), let value = Int(exactly: number), (0...10_000).contains(value) else { return nil }
                self = .count(value)
            }
        }
    }

    static let timeFreq = HyperparameterKey<TimeFrequency>.parsed("time_freq", expecting: "a multiple and min, H, D, W or M (5min, H, D, W, M)",
                                                                  help: "Granularity of the series (required).") { TimeFrequency($0) }
    static let contextLength = HyperparameterKey<Int>.integer("context_length", 1...10_000, help: "Steps the model sees before forecasting (required).")
    static let predictionLength = HyperparameterKey<Int>.integer("prediction_length", 1...10_000, help: "Steps forecast (required).")
    static let epochs = HyperparameterKey<Int>.integer("epochs", 1...1_000, help: "Passes of num_batches_per_epoch batches (required).")
    static let numCells = HyperparameterKey<Int>.integer("num_cells", 1...200, default: 40, help: "Cells per LSTM layer.")
    static let numLayers = HyperparameterKey<Int>.integer("num_layers", 1...8, default: 2, help: "LSTM layers.")
    static let likelihood = HyperparameterKey<DeepARConfiguration.LikelihoodKind>.choice(
        "likelihood", default: .studentT, help: "Noise model: student-T, gaussian, negative-binomial, beta or deterministic-L1.")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...1_028, default: 128, help: "Windows per batch.")
    static let learningRate = HyperparameterKey<Double>.real("learning_rate", 1e-5...1e-1, default: 0.001, help: "Adam's step size.")
    static let dropoutRate = HyperparameterKey<Double>.real("dropout_rate", 0...0.2, default: 0.1, help: "Dropout between LSTM layers.")
    static let embeddingDimension = HyperparameterKey<Int>.integer("embedding_dimension", 1...50, default: 10,
                                                                   help: "Embedding size per categorical feature.")
    static let cardinality = HyperparameterKey<Cardinality>.parsed("cardinality", expecting: "auto, ignore or a list of positive integers such as [5, 3]",
                                                                   default: "auto", help: "Values per categorical feature (auto: from the data).") { Cardinality($0) }
    static let numDynamicFeat = HyperparameterKey<DynamicFeatures>.parsed("num_dynamic_feat", expecting: "auto, ignore or a non-negative integer",
                                                                          default: "auto", help: "Dynamic features per series (auto: from the data).") { DynamicFeatures($0) }
    static let earlyStoppingPatience = HyperparameterKey<Int>.integer("early_stopping_patience", 0...1_000, default: 0,
                                                                      help: "Epochs without improvement before stopping (0: never); the best epoch is kept.")
    static let numEvalSamples = HyperparameterKey<Int>.integer("num_eval_samples", 1...10_000, default: 100, help: "Sample paths per test series.")
    static let testQuantiles = HyperparameterKey<[Double]>.realList("test_quantiles", default: "[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]",
                                                                    help: "Quantiles scored on the test channel.")
    static let numBatchesPerEpoch = HyperparameterKey<Int>.integer("num_batches_per_epoch", 1...100_000, default: 50,
                                                                   help: "Batches per epoch (Weir's; GluonTS's default).")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Random seed (Weir's).")

    public static let schema = [
        timeFreq.definition, contextLength.definition, predictionLength.definition, epochs.definition, numCells.definition,
        numLayers.definition, likelihood.definition, miniBatchSize.definition, learningRate.definition, dropoutRate.definition,
        embeddingDimension.definition, cardinality.definition, numDynamicFeat.definition, earlyStoppingPatience.definition,
        numEvalSamples.definition, testQuantiles.definition, numBatchesPerEpoch.definition, seed.definition,
    ]

    public let frequency: TimeFrequency
    public let contextLength: Int
    public let predictionLength: Int
    public let epochs: Int
    public let cells: Int
    public let layers: Int
    public let likelihood: DeepARConfiguration.LikelihoodKind
    public let batchSize: Int
    public let learningRate: Double
    public let dropoutRate: Double
    public let embeddingDimension: Int
    public let cardinality: Cardinality
    public let dynamicFeatures: DynamicFeatures
    public let patience: Int
    public let evalSamples: Int
    public let testQuantiles: [Double]
    public let batchesPerEpoch: Int
    public let seed: UInt64

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        frequency = try values[Self.timeFreq]
        contextLength = try values[Self.contextLength]
        predictionLength = try values[Self.predictionLength]
        epochs = try values[Self.epochs]
        cells = try values[Self.numCells]
        layers = try values[Self.numLayers]
        likelihood = try values[Self.likelihood]
        batchSize = try values[Self.miniBatchSize]
        learningRate = try values[Self.learningRate]
        dropoutRate = try values[Self.dropoutRate]
        embeddingDimension = try values[Self.embeddingDimension]
        cardinality = try values[Self.cardinality]
        dynamicFeatures = try values[Self.numDynamicFeat]
        patience = try values[Self.earlyStoppingPatience]
        evalSamples = try values[Self.numEvalSamples]
        batchesPerEpoch = try values[Self.numBatchesPerEpoch]
        seed = UInt64(try values[Self.seed])
        let quantiles = try values[Self.testQuantiles]
        // Duplicates would name one metric twice (wQuantileLoss[0.5]).
        guard !quantiles.isEmpty, quantiles.allSatisfy({ $0 > 0 && $0 < 1 }), Set(quantiles).count == quantiles.count else {
            throw HyperparameterError(name: "test_quantiles", value: "\(quantiles)", message: "expected a list of distinct quantiles in (0, 1)")
        }
        testQuantiles = quantiles
    }
}

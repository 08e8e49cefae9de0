import WeirAlgorithm

/// SageMaker's IP Insights hyperparameters, typed, plus Weir's own: the IP prefix table's
/// rows, prefix dropout, calibration, shuffle buffer and seed.
public struct IPInsightsHyperparameters: HyperparameterSet {
    static let numEntityVectors = HyperparameterKey<Int>.integer("num_entity_vectors", 1...250_000_000,
                                                                 help: "Rows of the entity embedding table (entities are hashed into them; required).")
    static let vectorDim = HyperparameterKey<Int>.integer("vector_dim", 4...4_096, help: "Embedding size (required).")
    static let epochs = HyperparameterKey<Int>.integer("epochs", 1...100_000, default: 10, help: "Passes over the training data.")
    static let learningRate = HyperparameterKey<Double>.real("learning_rate", 1e-6...10, default: 0.001, help: "Adam's step size.")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...500_000, default: 10_000, help: "Real pairs per batch.")
    static let numIPEncoderLayers = HyperparameterKey<Int>.integer("num_ip_encoder_layers", 0...100, default: 1,
                                                                   help: "Fully connected layers after the IP prefix embedding.")
    static let randomNegativeSamplingRate = HyperparameterKey<Int>.integer("random_negative_sampling_rate", 0...500, default: 1,
                                                                           help: "Negatives per pair with a random address.")
    static let shuffledNegativeSamplingRate = HyperparameterKey<Int>.integer("shuffled_negative_sampling_rate", 0...500, default: 1,
                                                                             help: "Negatives per pair with another pair's address.")
    static let weightDecay = HyperparameterKey<Double>.real("weight_decay", 0...10, default: 0.00001, help: "L2 regularisation.")
    static let batchMetricsPublishInterval = HyperparameterKey<Int>.integer("batch_metrics_publish_interval", 1...Int(Int32.max), default: 1000,
                                                                            help: "Batches between progress updates.")
    static let numIPVectors = HyperparameterKey<Int>.integer("num_ip_vectors", 1...268_435_456, default: 65_536,
                                                             help: "Rows of the IP prefix table (Weir's).")
    static let prefixDropout = HyperparameterKey<Double>.real("prefix_dropout", 0...0.9, default: 0.4,
                                                              help: "Share of prefix rows left out in training, so networks generalise (Weir's).")
    static let falsePositiveRate = HyperparameterKey<Double>.real("false_positive_rate", 0.0001...0.5, default: 0.01,
                                                                  help: "Share of normal logins the calibrated threshold flags (Weir's).")
    static let shuffleBufferSize = HyperparameterKey<Int>.integer("shuffle_buffer_size", 1...100_000_000, default: 1_000_000,
                                                                  help: "Pairs held to shuffle the stream of training data (Weir's).")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Random seed (Weir's).")

    public static let schema = [
        numEntityVectors.definition, vectorDim.definition, epochs.definition, learningRate.definition, miniBatchSize.definition,
        numIPEncoderLayers.definition, randomNegativeSamplingRate.definition, shuffledNegativeSamplingRate.definition,
        weightDecay.definition, batchMetricsPublishInterval.definition, numIPVectors.definition, prefixDropout.definition,
        falsePositiveRate.definition, shuffleBufferSize.definition, seed.definition,
    ]

    public let configuration: IPInsightsModel.Configuration
    public let options: IPInsightsTrainer.Options
    public let epochs: Int
    public let batchSize: Int
    public let metricsInterval: Int
    public let falsePositiveRate: Double
    public let shuffleBufferSize: Int
    public let seed: UInt64

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        configuration = IPInsightsModel.Configuration(vectorDimension: try values[Self.vectorDim],
                                                      entityVectors: try values[Self.numEntityVectors],
                                                      ipVectors: try values[Self.numIPVectors],
                                                      encoderLayers: try values[Self.numIPEncoderLayers])
        let random = try values[Self.randomNegativeSamplingRate]
        let shuffled = try values[Self.shuffledNegativeSamplingRate]
        guard (1...500).contains(random + shuffled) else {
            throw HyperparameterError(name: "random_negative_sampling_rate", value: "\(random)",
                                      message: "random_negative_sampling_rate + shuffled_negative_sampling_rate is \(random + shuffled); it must be between 1 and 500")
        }
        options = IPInsightsTrainer.Options(learningRate: Float(try values[Self.learningRate]),
                                            weightDecay: Float(try values[Self.weightDecay]),
                                            randomNegatives: random, shuffledNegatives: shuffled,
                                            prefixDropout: Float(try values[Self.prefixDropout]))
        epochs = try values[Self.epochs]
        batchSize = try values[Self.miniBatchSize]
        metricsInterval = try values[Self.batchMetricsPublishInterval]
        falsePositiveRate = try values[Self.falsePositiveRate]
        shuffleBufferSize = try values[Self.shuffleBufferSize]
        seed = UInt64(try values[Self.seed])
    }
}

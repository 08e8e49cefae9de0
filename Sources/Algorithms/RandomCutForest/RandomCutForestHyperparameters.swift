import WeirAlgorithm

/// SageMaker's batch Random Cut Forest hyperparameters, typed, plus Weir's `seed`.
public struct RandomCutForestHyperparameters: HyperparameterSet {
    static let featureDim = HyperparameterKey<Int>.integer("feature_dim", 1...10_000, help: "Values per record (required).")
    static let numTrees = HyperparameterKey<Int>.integer("num_trees", 50...1_000, default: 100, help: "Trees in the forest.")
    static let numSamplesPerTree = HyperparameterKey<Int>.integer("num_samples_per_tree", 1...2_048, default: 256,
                                                                  help: "Points each tree samples from the training set.")
    static let evalMetrics = HyperparameterKey<String>.text("eval_metrics", default: "[\"accuracy\", \"precision_recall_fscore\"]",
                                                            help: "Test channel metrics (all are reported; kept for SageMaker's jobs).")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Random seed (Weir's).")

    public static let schema = [featureDim.definition, numTrees.definition, numSamplesPerTree.definition, evalMetrics.definition, seed.definition]

    public let featureDimension: Int
    public let trees: Int
    public let samplesPerTree: Int
    public let seed: UInt64

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        featureDimension = try values[Self.featureDim]
        trees = try values[Self.numTrees]
        samplesPerTree = try values[Self.numSamplesPerTree]
        _ = try values[Self.evalMetrics]
        seed = UInt64(try values[Self.seed])
    }
}

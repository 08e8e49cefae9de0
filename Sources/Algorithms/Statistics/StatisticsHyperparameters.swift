import WeirAlgorithm

/// The `statistics` profile's hyperparameters.
public struct StatisticsHyperparameters: HyperparameterSet {
    static let featureDim = HyperparameterKey<Int?>.integerOrAuto("feature_dim", 1...1_000_000_000,
                                                                  help: "Values per record, checked on every record (auto: not checked).")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...1_000_000, default: 1000, help: "Records read per batch.")

    public static let schema = [featureDim.definition, miniBatchSize.definition]

    public let featureDimension: Int?
    public let batchSize: Int

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        featureDimension = try values[Self.featureDim]
        batchSize = try values[Self.miniBatchSize]
    }
}

import WeirAlgorithm

/// PCA's hyperparameters by SageMaker's names and defaults, plus `power_iterations` and
/// `seed` (Weir's: the randomized solver's passes and its random start).
public struct PCAHyperparameters: HyperparameterSet {
    public enum Mode: String, Sendable, CaseIterable {
        /// The exact covariance, accumulated over mini-batches in one pass.
        case regular
        /// A randomized range finder with power iterations: memory d x (k + extra), for wide data.
        case randomized
    }

    static let featureDim = HyperparameterKey<Int>.integer("feature_dim", 1...100_000_000, help: "Values per record.")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...10_000_000, help: "Records per mini-batch.")
    static let numComponents = HyperparameterKey<Int>.integer("num_components", 1...100_000, help: "Principal components to keep.")
    static let algorithmMode = HyperparameterKey<Mode>.choice("algorithm_mode", default: .regular,
                                                              help: "regular (exact covariance) or randomized (for many features).")
    static let subtractMean = HyperparameterKey<Bool>.boolean("subtract_mean", default: true,
                                                              help: "Centre the data in training and at inference.")
    static let extraComponents = HyperparameterKey<Int>.integer(
        "extra_components", -1...100_000, default: -1,
        help: "Randomized mode: extra directions searched beyond num_components (-1: max(10, num_components)).")
    static let powerIterations = HyperparameterKey<Int?>.integerOrAuto(
        "power_iterations", 0...100,
        help: "Randomized mode: power iterations, one pass each (auto: until the components' variances settle to 1e-6, at most 30; Weir's addition).")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Seeds the randomized start (Weir's addition).")

    public static let schema = [featureDim, miniBatchSize, numComponents].map(\.definition)
        + [algorithmMode.definition, subtractMean.definition, extraComponents.definition, powerIterations.definition, seed.definition]

    public let featureDimension: Int
    public let batchSize: Int
    public let components: Int
    public let mode: Mode
    public let subtractMean: Bool
    /// Directions the randomized solver tracks (components + extra, at most feature_dim).
    public let searchedDirections: Int
    /// nil: iterate until the variances settle.
    public let powerIterations: Int?
    /// The most power iterations `auto` runs.
    public static let maximumAutoIterations = 30
    /// `auto` stops when no component's variance moved by more than this share in an iteration.
    public static let autoTolerance = 1e-6
    public let seed: UInt64

    /// The widest data the regular mode takes: its d x d covariance in doubles stays under 2 GB.
    public static let maximumRegularDimension = 16_000

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        featureDimension = try values[Self.featureDim]
        batchSize = try values[Self.miniBatchSize]
        components = try values[Self.numComponents]
        mode = try values[Self.algorithmMode]
        subtractMean = try values[Self.subtractMean]
        powerIterations = try values[Self.powerIterations]
        seed = UInt64(try values[Self.seed])
        guard components <= featureDimension else {
            throw HyperparameterError(name: "num_components", value: String(components), message: "must be at most feature_dim (\(featureDimension))")
        }
        let extra = try values[Self.extraComponents]
        searchedDirections = min(featureDimension, components + (extra < 0 ? max(10, components) : extra))
        if mode == .regular && featureDimension > Self.maximumRegularDimension {
            throw HyperparameterError(name: "algorithm_mode", value: "regular",
                                      message: "feature_dim \(featureDimension) is over \(Self.maximumRegularDimension) for the exact covariance; use randomized")
        }
        let (cells, overflow) = featureDimension.multipliedReportingOverflow(by: searchedDirections)
        guard !overflow, cells <= 500_000_000 else {
            throw HyperparameterError(name: "num_components", value: String(components),
                                      message: "feature_dim x (num_components + extra_components) is over 500,000,000 values")
        }
    }
}

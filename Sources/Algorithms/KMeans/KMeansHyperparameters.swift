import Foundation
import WeirAlgorithm
import WeirCore

/// K-Means' hyperparameters by SageMaker's names and defaults, plus `seed` (Weir's: the
/// random choices of initialisation, so that a job repeats exactly).
public struct KMeansHyperparameters: HyperparameterSet {
    public enum InitMethod: String, Sendable, CaseIterable {
        case random
        case kmeansPlusPlus = "kmeans++"
    }

    /// The test-channel scores SageMaker reports: mean or sum of squared distances.
    public enum EvalMetric: String, Sendable, CaseIterable {
        case msd, ssd
    }

    static let featureDim = HyperparameterKey<Int>.integer("feature_dim", 1...10_000_000, help: "Values per record.")
    static let k = HyperparameterKey<Int>.integer("k", 1...1_000_000, help: "Clusters in the model.")
    static let epochs = HyperparameterKey<Int>.integer("epochs", 1...10_000, default: 1, help: "Passes of mini-batch k-means over the train channel.")
    static let evalMetrics = HyperparameterKey<[EvalMetric]>.parsed(
        "eval_metrics", expecting: "a JSON list of msd and ssd", default: "[\"msd\"]",
        help: "Scores reported on the test channel: msd (mean squared distance), ssd (sum).", parseEvalMetrics)
    static let extraCenterFactor = HyperparameterKey<Int?>.integerOrAuto(
        "extra_center_factor", 1...1_000,
        help: "The mini-batch stage keeps k x this many centres, reduced to k at the end (auto: 30 up to 2,000 centres, at least 10, at most 10,000 centres).")
    static let halfLifeTimeSize = HyperparameterKey<Int>.integer(
        "half_life_time_size", 0...Int(Int32.max), default: 0,
        help: "Points after which an observation's weight in its centre's mean halves (0: no decay).")
    static let initMethod = HyperparameterKey<InitMethod>.choice("init_method", default: .random,
                                                                 help: "How the mini-batch stage's centres start: random records or kmeans++.")
    static let localLloydInitMethod = HyperparameterKey<InitMethod>.choice(
        "local_lloyd_init_method", default: .kmeansPlusPlus, help: "How each trial of the final reduction to k centres starts.")
    static let localLloydMaxIter = HyperparameterKey<Int>.integer("local_lloyd_max_iter", 1...1_000_000, default: 300,
                                                                  help: "Lloyd iterations per trial of the reduction.")
    static let localLloydNumTrials = HyperparameterKey<Int?>.integerOrAuto(
        "local_lloyd_num_trials", 1...10_000, help: "Trials of the reduction; the lowest loss is kept (auto: 10).")
    static let localLloydTol = HyperparameterKey<Double>.real("local_lloyd_tol", 0...1, default: 0.0001,
                                                              help: "A trial stops when its loss falls by less than this share.")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...10_000_000, default: 5000,
                                                              help: "Records per mini-batch.")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Seeds initialisation (Weir's addition).")

    public static let schema = [featureDim, k, epochs].map(\.definition) + [evalMetrics.definition, extraCenterFactor.definition,
        halfLifeTimeSize.definition, initMethod.definition, localLloydInitMethod.definition, localLloydMaxIter.definition,
        localLloydNumTrials.definition, localLloydTol.definition, miniBatchSize.definition, seed.definition]

    public let featureDimension: Int
    public let clusters: Int
    public let epochs: Int
    public let evalMetrics: [EvalMetric]
    /// Centres of the mini-batch stage.
    public let stageCentres: Int
    public let halfLifeTimeSize: Int
    public let initMethod: InitMethod
    public let localInitMethod: InitMethod
    public let localMaxIterations: Int
    public let localTrials: Int
    public let localTolerance: Double
    public let batchSize: Int
    public let seed: UInt64

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        featureDimension = try values[Self.featureDim]
        clusters = try values[Self.k]
        epochs = try values[Self.epochs]
        evalMetrics = try values[Self.evalMetrics]
        let factor = try values[Self.extraCenterFactor]
        let (product, overflow) = clusters.multipliedReportingOverflow(by: factor ?? 1)
        // auto: more centres make a better summary for the final step (measured on
        // make_classification: 30 per cluster came within 0.6% of full Lloyd's inertia, 10
        // within 1.1%), bounded so that the stage's cost stays that of about 2,000 centres.
        let automatic = max(clusters, min(max(10 * clusters, min(30 * clusters, 2_000)), 10_000))
        stageCentres = factor == nil ? automatic : product
        guard !overflow, stageCentres <= 10_000_000 else {
            throw HyperparameterError(name: "extra_center_factor", value: factor.map(String.init),
                                      message: "k x extra_center_factor must stay at most 10,000,000")
        }
        halfLifeTimeSize = try values[Self.halfLifeTimeSize]
        initMethod = try values[Self.initMethod]
        localInitMethod = try values[Self.localLloydInitMethod]
        localMaxIterations = try values[Self.localLloydMaxIter]
        localTrials = try values[Self.localLloydNumTrials] ?? 10
        localTolerance = try values[Self.localLloydTol]
        batchSize = try values[Self.miniBatchSize]
        seed = UInt64(try values[Self.seed])
        let (cells, cellsOverflow) = stageCentres.multipliedReportingOverflow(by: featureDimension)
        guard !cellsOverflow, cells <= 1_000_000_000 else {
            throw HyperparameterError(name: "feature_dim", value: String(featureDimension),
                                      message: "k x extra_center_factor x feature_dim is over 1,000,000,000 values")
        }
    }

    /// `["msd","ssd"]`, as SageMaker passes it (quotes may be escaped), or a bare name.
    static func parseEvalMetrics(_ text: String) -> [EvalMetric]? {
        let cleaned = text.replacingOccurrences(of: "\\\"", with: "\"")
        if let metric = EvalMetric(rawValue: cleaned.lowercased()) { return [metric] }
        guard case .array(let items)? = try? JSONParser.parse(cleaned), !items.isEmpty else { return nil }
        var metrics: [EvalMetric] = []
        for item in items {
            guard case .string(let name) = item, let metric = EvalMetric(rawValue: name.lowercased()) else { return nil }
            if !metrics.contains(metric) { metrics.append(metric) }
        }
        return metrics
    }
}

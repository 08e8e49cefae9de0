import WeirAlgorithm
import WeirCore

/// XGBoost's hyperparameters by the names SageMaker's container and xgboost itself take,
/// with xgboost 3's defaults. Trees always grow with the histogram method (`tree_method`
/// `auto`, `hist`, `approx` and `exact` are accepted and all grow `hist` trees).
public struct XGBoostHyperparameters: HyperparameterSet {
    public enum GrowPolicy: String, Sendable, CaseIterable {
        case depthwise, lossguide
    }

    public enum TreeMethod: String, Sendable, CaseIterable {
        case auto, hist, approx, exact
    }

    public enum Booster: String, Sendable, CaseIterable {
        case gbtree
    }

    static let numRound = HyperparameterKey<Int>.integer("num_round", 1...1_000_000, help: "Boosting rounds (trees per class).")
    static let objectiveKey = HyperparameterKey<BoostingObjective.Kind>.choice("objective", default: .squaredError,
        help: "The loss: reg:squarederror, binary:logistic, multi:softprob, count:poisson, reg:tweedie, ...")
    static let eta = HyperparameterKey<Double>.real("eta", 0...1, default: 0.3, help: "Shrinks each tree's leaf values.")
    static let gamma = HyperparameterKey<Double>.real("gamma", 0...1e300, default: 0,
        help: "Least loss reduction a split must make (min_split_loss).")
    static let maxDepth = HyperparameterKey<Int>.integer("max_depth", 0...30, default: 6,
        help: "Deepest a tree grows (0: no limit, with grow_policy=lossguide).")
    static let minChildWeight = HyperparameterKey<Double>.real("min_child_weight", 0...1e300, default: 1,
        help: "Least hessian sum a child must hold.")
    static let maxDeltaStep = HyperparameterKey<Double?>.realOrAuto("max_delta_step", 0...1e300,
        help: "Caps each leaf's step before eta (0: no cap; auto: 0.7 for count:poisson, as xgboost, else 0).")
    static let subsample = HyperparameterKey<Double>.real("subsample", 1e-9...1, default: 1, help: "Share of rows each tree sees.")
    static let colsampleByTree = HyperparameterKey<Double>.real("colsample_bytree", 1e-9...1, default: 1,
        help: "Share of features each tree may split on.")
    static let colsampleByLevel = HyperparameterKey<Double>.real("colsample_bylevel", 1e-9...1, default: 1,
        help: "Share of the tree's features each depth may split on.")
    static let colsampleByNode = HyperparameterKey<Double>.real("colsample_bynode", 1e-9...1, default: 1,
        help: "Share of the level's features each node may split on.")
    static let lambda = HyperparameterKey<Double>.real("lambda", 0...1e300, default: 1, help: "L2 penalty on leaf weights.")
    static let alpha = HyperparameterKey<Double>.real("alpha", 0...1e300, default: 0, help: "L1 penalty on leaf weights.")
    static let scalePosWeight = HyperparameterKey<Double>.real("scale_pos_weight", 1e-300...1e300, default: 1,
        help: "Weight of positive records in binary objectives.")
    static let baseScore = HyperparameterKey<Double?>.realOrAuto("base_score", -1e30...1e30,
        help: "The starting prediction (auto: estimated from the labels, as xgboost 2+ does).")
    static let maxBin = HyperparameterKey<Int>.integer("max_bin", 2...65_534, default: 256, help: "Histogram bins per feature.")
    static let growPolicy = HyperparameterKey<GrowPolicy>.choice("grow_policy", default: .depthwise,
        help: "depthwise (level by level) or lossguide (best leaf first, with max_leaves).")
    static let maxLeaves = HyperparameterKey<Int>.integer("max_leaves", 0...1 << 30, default: 0, help: "Most leaves a tree has (0: no limit).")
    static let monotone = HyperparameterKey<[Int]>.parsed("monotone_constraints", expecting: "a list of -1, 0 and 1 such as (1,0,-1)",
        default: "()", help: "Per feature: 1 increasing, -1 decreasing, 0 free.", XGBoostHyperparameters.parseMonotone)
    static let interaction = HyperparameterKey<[[Int]]>.parsed("interaction_constraints",
        expecting: "a list of feature index lists such as [[0,1],[2,3,4]]", default: "[]",
        help: "Features allowed to interact along a branch.", XGBoostHyperparameters.parseInteractions)
    static let numClass = HyperparameterKey<Int?>.integerOrAuto("num_class", 2...1_000_000,
        help: "Classes, for multi:softmax and multi:softprob (required by them).")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Seeds row and column sampling.")
    static let nthread = HyperparameterKey<Int?>.integerOrAuto("nthread", 1...4_096, help: "Threads (auto: the cores available).")
    static let earlyStopping = HyperparameterKey<Int?>.integerOrAuto("early_stopping_rounds", 1...1_000_000,
        help: "Stop when the validation channel's last metric has not improved for this many rounds (auto: never).")
    static let csvWeights = HyperparameterKey<Int>.integer("csv_weights", 0...1, default: 0,
        help: "1: CSV records carry an instance weight in the column after the label.")
    static let evalMetric = HyperparameterKey<[EvaluationMetric]>.parsed("eval_metric",
        expecting: "metrics such as rmse, auc, error@0.7, ndcg@10, separated by commas", default: "",
        help: "Metrics printed per round (default: the objective's).", XGBoostHyperparameters.parseMetrics)
    static let treeMethod = HyperparameterKey<TreeMethod>.choice("tree_method", default: .auto,
        help: "Accepted for compatibility; Weir always grows histogram (hist) trees.")
    static let booster = HyperparameterKey<Booster>.choice("booster", default: .gbtree, help: "gbtree (the only booster).")
    static let tweedieVariancePower = HyperparameterKey<Double>.real("tweedie_variance_power", 1...1.999_999, default: 1.5,
        help: "reg:tweedie's variance power, in [1, 2).")
    static let huberSlope = HyperparameterKey<Double>.real("huber_slope", 1e-300...1e300, default: 1,
        help: "reg:pseudohubererror's delta.")
    static let verbosity = HyperparameterKey<Int>.integer("verbosity", 0...3, default: 1, help: "Accepted for compatibility.")
    static let pairMethod = HyperparameterKey<LambdaRankParameters.PairMethod>.choice("lambdarank_pair_method", default: .topk,
        help: "rank:*: topk (each of the top documents against all below it) or mean (random partners per document).")
    static let pairsPerSample = HyperparameterKey<Int?>.integerOrAuto("lambdarank_num_pair_per_sample", 1...LambdaRankParameters.notSet - 1,
        help: "rank:*: the truncation k for topk (auto: 32), or partners per document for mean (auto: 1).")
    static let rankNormalization = HyperparameterKey<Bool>.boolean("lambdarank_normalization", default: true,
        help: "rank:*: scale each query's gradients by its lambda sum (topk) or pair count (mean).")
    static let rankScoreNormalization = HyperparameterKey<Bool>.boolean("lambdarank_score_normalization", default: true,
        help: "rank:*: divide each pair's metric change by the pair's score difference.")
    static let rankUnbiased = HyperparameterKey<Bool>.boolean("lambdarank_unbiased", default: false,
        help: "rank:*: unbiased LambdaMART for click data: learns each logged position's bias and divides it out.")
    static let rankBiasNorm = HyperparameterKey<Double>.real("lambdarank_bias_norm", 0...1e300, default: 1,
        help: "rank:* with lambdarank_unbiased: the Lp norm regularising the position bias.")
    static let ndcgExpGain = HyperparameterKey<Bool>.boolean("ndcg_exp_gain", default: true,
        help: "NDCG gains 2^relevance - 1 (true) or the relevance itself.")

    public static let schema: [HyperparameterDefinition] = [
        numRound.definition, objectiveKey.definition, eta.definition, gamma.definition, maxDepth.definition,
        minChildWeight.definition, maxDeltaStep.definition, subsample.definition, colsampleByTree.definition,
        colsampleByLevel.definition, colsampleByNode.definition, lambda.definition, alpha.definition,
        scalePosWeight.definition, baseScore.definition, maxBin.definition, growPolicy.definition, maxLeaves.definition,
        monotone.definition, interaction.definition, numClass.definition, seed.definition, nthread.definition,
        earlyStopping.definition, csvWeights.definition, evalMetric.definition, treeMethod.definition, booster.definition,
        tweedieVariancePower.definition, huberSlope.definition, verbosity.definition, pairMethod.definition, pairsPerSample.definition,
        rankNormalization.definition, rankScoreNormalization.definition, rankUnbiased.definition, rankBiasNorm.definition, ndcgExpGain.definition,
    ]

    public let rounds: Int
    public let objective: BoostingObjective
    public let tree: TreeParameters
    public let subsample: Double
    public let columnSampling: ColumnSampling
    public let baseScore: Double?
    public let maxBin: Int
    public let monotoneConstraints: [Int]
    public let interactionConstraints: [[Int]]
    public let seed: UInt64
    public let threads: Int?
    public let earlyStoppingRounds: Int?
    public let csvWeights: Bool
    public let metrics: [EvaluationMetric]

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        rounds = try values[Self.numRound]
        let kind = try values[Self.objectiveKey]
        let classes = try values[Self.numClass]
        if kind.isMulticlass && classes == nil {
            throw HyperparameterError(name: "num_class", value: nil, message: "required by \(kind.rawValue): expected an integer of at least 2")
        }
        if !kind.isMulticlass, let classes {
            throw HyperparameterError(name: "num_class", value: String(classes), message: "only multi:softmax and multi:softprob take classes")
        }
        let deltaStep = try values[Self.maxDeltaStep] ?? (kind == .poisson ? BoostingObjective.poissonDefaultDeltaStep : 0)
        var ranking = LambdaRankParameters()
        ranking.pairMethod = try values[Self.pairMethod]
        ranking.pairsPerSample = try values[Self.pairsPerSample]
        ranking.normalization = try values[Self.rankNormalization]
        ranking.scoreNormalization = try values[Self.rankScoreNormalization]
        ranking.exponentialGain = try values[Self.ndcgExpGain]
        ranking.unbiased = try values[Self.rankUnbiased]
        ranking.biasNorm = try values[Self.rankBiasNorm]
        objective = BoostingObjective(kind: kind, classes: classes ?? 1, scalePositiveWeight: try values[Self.scalePosWeight],
                                      tweedieVariancePower: try values[Self.tweedieVariancePower], huberSlope: try values[Self.huberSlope],
                                      poissonDeltaStep: kind == .poisson ? deltaStep : BoostingObjective.poissonDefaultDeltaStep,
                                      ranking: ranking)
        let policy = try values[Self.growPolicy]
        let depth = try values[Self.maxDepth]
        let leaves = try values[Self.maxLeaves]
        if depth == 0 && (policy == .depthwise || leaves == 0) {
            throw HyperparameterError(name: "max_depth", value: "0",
                                      message: "no depth limit needs grow_policy=lossguide and max_leaves above 0")
        }
        tree = TreeParameters(eta: try values[Self.eta], gamma: try values[Self.gamma], maxDepth: depth,
                              minChildWeight: try values[Self.minChildWeight], maxDeltaStep: deltaStep,
                              lambda: try values[Self.lambda], alpha: try values[Self.alpha], lossGuided: policy == .lossguide,
                              maxLeaves: leaves)
        subsample = try values[Self.subsample]
        columnSampling = ColumnSampling(byTree: try values[Self.colsampleByTree], byLevel: try values[Self.colsampleByLevel],
                                        byNode: try values[Self.colsampleByNode])
        baseScore = try values[Self.baseScore]
        if let base = baseScore, let problem = objective.baseScoreProblem(base) {
            throw HyperparameterError(name: "base_score", value: String(base), message: problem)
        }
        maxBin = try values[Self.maxBin]
        monotoneConstraints = try values[Self.monotone]
        interactionConstraints = try values[Self.interaction]
        seed = UInt64(try values[Self.seed])
        threads = try values[Self.nthread]
        earlyStoppingRounds = try values[Self.earlyStopping]
        csvWeights = try values[Self.csvWeights] == 1
        let metrics = try values[Self.evalMetric]
        // mphe takes the objective's slope, as xgboost's does.
        let slope = objective.huberSlope
        self.metrics = metrics.isEmpty ? [objective.defaultMetric]
            : metrics.map {
                var metric = $0.kind == .mphe ? EvaluationMetric(.mphe, parameter: slope) : $0
                metric.exponentialGain = ranking.exponentialGain  // as xgboost passes ndcg_exp_gain to its metrics
                return metric
            }
        for metric in self.metrics {
            if let problem = metric.problem(with: objective) {
                throw HyperparameterError(name: "eval_metric", value: metric.name, message: problem)
            }
        }
        _ = try values[Self.treeMethod]
        _ = try values[Self.booster]
        _ = try values[Self.verbosity]
    }

    /// `(1,0,-1)` or `[1,0,-1]`.
    static func parseMonotone(_ text: String) -> [Int]? {
        let inner = text.stripping("()[] ")
        if inner.isEmpty { return [] }
        var result: [Int] = []
        for part in inner.split(separator: ",") {
            guard let value = Int(part.stripping(" ")), (-1...1).contains(value) else { return nil }
            result.append(value)
        }
        return result
    }

    /// `[[0,1],[2,3]]` (feature indices; names are not known before the data).
    static func parseInteractions(_ text: String) -> [[Int]]? {
        let trimmed = text.stripping(" ")
        if trimmed.isEmpty || trimmed == "[]" { return [] }
        guard case .array(let groups)? = try? JSONParser.parse(trimmed) else { return nil }
        var result: [[Int]] = []
        for group in groups {
            guard case .array(let items) = group else { return nil }
            var indices: [Int] = []
            for item in items {
                guard let number = item.doubleValue, number >= 0, number < 1e9, let index = Int(exactly: number) else { return nil }
                indices.append(index)
            }
            result.append(indices)
        }
        return result
    }

    static func parseMetrics(_ text: String) -> [EvaluationMetric]? {
        var result: [EvaluationMetric] = []
        for part in text.split(separator: ",") {
            let name = part.stripping(" \"'[]")
            if name.isEmpty { continue }
            guard let metric = EvaluationMetric(name: name) else { return nil }
            result.append(metric)
        }
        return result
    }
}

/// What shapes one tree: shrinkage, regularisation and the growth limits.
public struct TreeParameters: Sendable, Equatable {
    public var eta: Double
    public var gamma: Double
    public var maxDepth: Int
    public var minChildWeight: Double
    public var maxDeltaStep: Double
    public var lambda: Double
    public var alpha: Double
    public var lossGuided: Bool
    public var maxLeaves: Int

    /// xgboost's `ThresholdL1`: the gradient sum moved towards zero by `alpha`.
    @inline(__always)
    func thresholdL1(_ g: Double) -> Double {
        if g > alpha { return g - alpha }
        if g < -alpha { return g + alpha }
        return 0
    }

    /// The optimal leaf weight for gradient sum `g` and hessian sum `h` (before eta); 0
    /// below `min_child_weight`, as xgboost 3.2's `CalcWeight`.
    @inline(__always)
    func weight(_ g: Double, _ h: Double) -> Double {
        guard h >= minChildWeight, h > 0 else { return 0 }
        var w = -thresholdL1(g) / (h + lambda)
        if maxDeltaStep != 0 && abs(w) > maxDeltaStep { w = w < 0 ? -maxDeltaStep : maxDeltaStep }
        return w
    }

    /// The loss reduction of a leaf of weight `w` (xgboost 3.2's `CalcGainGivenWeight`,
    /// which leaves the L1 term out).
    @inline(__always)
    func gain(_ g: Double, _ h: Double, weight w: Double) -> Double {
        -(2 * g * w + (h + lambda) * w * w)
    }
}

/// Column sampling by tree, by depth and by node, each a share of the one above.
public struct ColumnSampling: Sendable, Equatable {
    public var byTree: Double
    public var byLevel: Double
    public var byNode: Double

    var isOff: Bool { byTree == 1 && byLevel == 1 && byNode == 1 }
}

extension StringProtocol {
    /// The text without any of `characters` at either end.
    func stripping(_ characters: String) -> String {
        let set = Set(characters)
        return String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

import Foundation

/// An xgboost objective: each record's gradient and hessian at its margin, how margins
/// become predictions, and the intercept (`base_score`) estimated from the labels as
/// xgboost 2+ does. Gradients are Float, as xgboost's gradient pairs are.
public struct BoostingObjective: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case squaredError = "reg:squarederror"
        case absoluteError = "reg:absoluteerror"
        case regLogistic = "reg:logistic"
        case pseudoHuber = "reg:pseudohubererror"
        case binaryLogistic = "binary:logistic"
        case logitRaw = "binary:logitraw"
        case hinge = "binary:hinge"
        case poisson = "count:poisson"
        case gamma = "reg:gamma"
        case tweedie = "reg:tweedie"
        case softmax = "multi:softmax"
        case softprob = "multi:softprob"
        case pairwise = "rank:pairwise"
        case ndcg = "rank:ndcg"
        case map = "rank:map"

        public var isMulticlass: Bool { self == .softmax || self == .softprob }
        /// Learning to rank: gradients from pairs within query groups (LambdaMART).
        public var isRanking: Bool { self == .pairwise || self == .ndcg || self == .map }
        var isLogistic: Bool { self == .regLogistic || self == .binaryLogistic || self == .logitRaw }
        /// Whether labels must be 0 or 1 (hinge) or within [0, 1] (logistic).
        var labelsInUnitInterval: Bool { isLogistic || self == .hinge }
    }

    public let kind: Kind
    /// Classes for multi:*; 1 otherwise (one output per record).
    public let classes: Int
    public let scalePositiveWeight: Double
    public let tweedieVariancePower: Double
    public let huberSlope: Double
    /// count:poisson's hessian is exp(margin + this), as in xgboost up to 3.2 (and
    /// SageMaker's containers); xgboost's tree `max_delta_step` takes the same value.
    public let poissonDeltaStep: Double
    public static let poissonDefaultDeltaStep = Double(Float(0.7))
    /// rank:*'s pair construction and normalisation.
    public let ranking: LambdaRankParameters
    /// Unbiased LambdaMART's position bias as learnt so far (xgboost's `ti+`, `tj-`).
    public var positionBias: PositionBias?

    public init(kind: Kind, classes: Int = 1, scalePositiveWeight: Double = 1, tweedieVariancePower: Double = 1.5, huberSlope: Double = 1,
                poissonDeltaStep: Double = poissonDefaultDeltaStep, ranking: LambdaRankParameters = LambdaRankParameters()) {
        self.poissonDeltaStep = poissonDeltaStep
        self.ranking = ranking
        self.kind = kind
        self.classes = kind.isMulticlass ? max(classes, 2) : 1
        self.scalePositiveWeight = scalePositiveWeight
        self.tweedieVariancePower = tweedieVariancePower
        self.huberSlope = huberSlope
    }

    /// Outputs (margins, trees per round) per record.
    public var outputs: Int { classes }

    public var defaultMetric: EvaluationMetric {
        switch kind {
        case .squaredError: return .init(.rmse)
        case .pseudoHuber: return .init(.mphe, parameter: huberSlope)
        case .absoluteError: return .init(.mae)
        case .regLogistic: return .init(.rmse)
        case .binaryLogistic, .logitRaw: return .init(.logloss)
        case .hinge: return .init(.error)
        case .poisson: return .init(.poissonNegativeLogLikelihood)
        case .gamma: return .init(.gammaNegativeLogLikelihood)
        case .tweedie: return .init(.tweedieNegativeLogLikelihood, parameter: tweedieVariancePower)
        case .softmax, .softprob: return .init(.mlogloss)
        case .pairwise, .ndcg, .map:
            // Named ndcg@32 / map@32 after the objective's truncation; the whole list for mean pairs.
            var metric = EvaluationMetric(kind == .map ? .map : .ndcg, parameter: ranking.topK.map(Double.init))
            metric.wholeList = ranking.topK == nil
            metric.exponentialGain = ranking.exponentialGain
            return metric
        }
    }

    /// Why `label` cannot train this objective; nil when it can.
    func labelProblem(_ label: Float) -> String? {
        switch kind {
        case _ where kind.labelsInUnitInterval:
            return label >= 0 && label <= 1 ? nil : "is \(label); \(kind.rawValue) takes labels in [0, 1]"
        case .poisson, .tweedie:
            return label >= 0 ? nil : "is \(label); \(kind.rawValue) takes non-negative labels"
        case .gamma:
            return label > 0 ? nil : "is \(label); reg:gamma takes positive labels"
        case .softmax, .softprob:
            return label >= 0 && label < Float(classes) && label == label.rounded() ? nil
                : "is \(label); expected a class 0...\(classes - 1) (num_class is \(classes))"
        case .ndcg where ranking.exponentialGain:
            return EvaluationMetric.relevanceProblem(label)
        case .map:
            return EvaluationMetric.binaryRelevanceProblem(label, name: kind.rawValue)
        default:
            return nil
        }
    }

    /// Why a user's `base_score` cannot start this objective; nil when it can.
    func baseScoreProblem(_ base: Double) -> String? {
        switch kind {
        case .binaryLogistic, .regLogistic:
            return base > 0 && base < 1 ? nil : "\(kind.rawValue) takes a probability strictly between 0 and 1"
        case .poisson, .gamma, .tweedie:
            return base > 0 ? nil : "\(kind.rawValue) takes a positive base_score"
        default:
            return nil
        }
    }

    // MARK: Gradients

    /// Fills `gradients[k]` (interleaved gradient, hessian per record) for each output `k`
    /// from the margins (row-major, `outputs` per record).
    func gradients(margins: [Float], labels: [Float], weights: [Float]?, into gradients: inout [[Float]]) {
        let rows = labels.count
        let k = outputs
        if kind.isMulticlass {
            var probabilities = [Float](repeating: 0, count: k)
            for row in 0..<rows {
                let w = weights?[row] ?? 1
                softmax(margins, row: row, into: &probabilities)
                let label = Int(labels[row])
                for c in 0..<k {
                    let p = probabilities[c]
                    let g = c == label ? p - 1 : p
                    let h = max(2 * p * (1 - p), 1e-16)
                    gradients[c][2 * row] = g * w
                    gradients[c][2 * row + 1] = h * w
                }
            }
            return
        }
        margins.withUnsafeBufferPointer { m in
            labels.withUnsafeBufferPointer { y in
                gradients[0].withUnsafeMutableBufferPointer { out in
                    for row in 0..<rows {
                        let (g, h) = gradient(margin: m[row], label: y[row], weight: weights?[row] ?? 1)
                        out[2 * row] = g
                        out[2 * row + 1] = h
                    }
                }
            }
        }
    }

    @inline(__always)
    func gradient(margin: Float, label: Float, weight: Float) -> (Float, Float) {
        var w = weight
        switch kind {
        case .squaredError:
            return ((margin - label) * w, w)
        case .absoluteError:
            let d = margin - label
            return ((d > 0 ? 1 : (d < 0 ? -1 : 0)) * w, w)
        case .regLogistic, .binaryLogistic, .logitRaw:
            let p = Self.sigmoid(margin)
            if label == 1 { w *= Float(scalePositiveWeight) }
            return ((p - label) * w, max(p * (1 - p), 1e-16) * w)
        case .pseudoHuber:
            let z = margin - label
            let slope = Float(huberSlope)
            let slope2 = slope * slope
            let root = (1 + z * z / slope2).squareRoot()
            return (z / root * w, slope2 / ((slope2 + z * z) * root) * w)
        case .hinge:
            let y = label * 2 - 1
            return margin * y < 1 ? (-y * w, w) : (0, .leastNormalMagnitude)
        case .poisson:
            return ((expf(margin) - label) * w, expf(margin + Float(poissonDeltaStep)) * w)
        case .gamma:
            let mu = expf(margin)
            return ((1 - label / mu) * w, label / mu * w)
        case .tweedie:
            let rho = Float(tweedieVariancePower)
            let a = expf((1 - rho) * margin), b = expf((2 - rho) * margin)
            return ((-label * a + b) * w, (-label * (1 - rho) * a + (2 - rho) * b) * w)
        case .softmax, .softprob, .pairwise, .ndcg, .map:
            // Per class and per query group: `gradients(margins:...)` and LambdaRankGradients.
            return (0, 0)
        }
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// Softmax of one record's margins, stabilised by its largest margin.
    func softmax(_ margins: [Float], row: Int, into out: inout [Float]) {
        let k = outputs
        let base = row * k
        var largest = -Float.infinity
        for c in 0..<k { largest = max(largest, margins[base + c]) }
        var total: Float = 0
        for c in 0..<k {
            out[c] = expf(margins[base + c] - largest)
            total += out[c]
        }
        for c in 0..<k { out[c] /= total }
    }

    // MARK: Predictions

    /// A record's prediction from its margins, as xgboost's `predict` gives it (class
    /// probabilities for softprob, the class for softmax, 0/1 for hinge).
    func transform(_ margins: ArraySlice<Float>) -> [Double] {
        switch kind {
        case .regLogistic, .binaryLogistic:
            return [Double(Self.sigmoid(margins[margins.startIndex]))]
        case .hinge:
            return [margins[margins.startIndex] > 0 ? 1 : 0]
        case .poisson, .gamma, .tweedie:
            return [Double(expf(margins[margins.startIndex]))]
        case .softprob:
            return probabilities(margins).map(Double.init)
        case .softmax:
            var best = margins.startIndex
            for index in margins.indices where margins[index] > margins[best] { best = index }
            return [Double(best - margins.startIndex)]
        default:
            return [Double(margins[margins.startIndex])]
        }
    }

    /// A single-output objective's prediction from its margin, without allocating.
    @inline(__always)
    func evaluationValue(_ margin: Float) -> Double {
        switch kind {
        case .regLogistic, .binaryLogistic: return Double(Self.sigmoid(margin))
        case .hinge: return margin > 0 ? 1 : 0
        case .poisson, .gamma, .tweedie: return Double(expf(margin))
        default: return Double(margin)
        }
    }

    /// The predictions metrics see (xgboost's `EvalTransform`): softmax gives probabilities.
    func evaluationTransform(_ margins: ArraySlice<Float>) -> [Double] {
        kind == .softmax ? probabilities(margins).map(Double.init) : transform(margins)
    }

    func probabilities(_ margins: ArraySlice<Float>) -> [Float] {
        let largest = margins.max() ?? 0
        let exps = margins.map { expf($0 - largest) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }

    // MARK: Intercept

    /// The intercept in prediction space, as stored in a model's `base_score`: the
    /// weighted label mean for GLM-like objectives, the weighted median for absolute
    /// error, centred log class shares for multi:*, else one Newton step from margin 0.
    func estimateBaseScore(labels: [Float], weights: [Float]?, groups: QueryGroups) -> [Double] {
        let totalWeight = weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(labels.count)
        func mean() -> Double {
            var sum = 0.0
            for (row, label) in labels.enumerated() { sum += Double(label) * Double(weights?[row] ?? 1) }
            return totalWeight > 0 ? sum / totalWeight : 0
        }
        switch kind {
        case .squaredError, .regLogistic, .binaryLogistic, .logitRaw, .poisson, .gamma, .tweedie:
            if kind.isLogistic && scalePositiveWeight != 1 || kind == .gamma && scalePositiveWeight != 1 { return [newtonStep(labels, weights)] }
            return [mean()]
        case .absoluteError:
            return [Self.weightedQuantile(labels.map(Double.init), weights: weights, alpha: 0.5)]
        case .softmax, .softprob:
            var shares = [Double](repeating: 0, count: classes)
            for (row, label) in labels.enumerated() { shares[Int(label)] += Double(weights?[row] ?? 1) }
            // In Float, as xgboost computes it: log(share + 1e-6), centred on the mean.
            let logs = shares.map { logf(Float($0) / Float(max(totalWeight, 1e-30)) + 1e-6) }
            let centre = logs.reduce(Float(0)) { $0 + $1 / Float(classes) }
            return logs.map { Double($0 - centre) }
        case .pseudoHuber, .hinge:
            return [newtonStep(labels, weights)]
        case .pairwise, .ndcg, .map:
            return [Double(Self.newtonStep(gradients: LambdaRankGradients(kind: kind, parameters: ranking, labels: labels, groups: groups)
                .computed(margins: [Float](repeating: 0, count: labels.count), iteration: 0, threads: 1)))]
        }
    }

    /// xgboost's `FitIntercept`: -ΣG/ΣH at margin 0, through the prediction transform.
    private func newtonStep(_ labels: [Float], _ weights: [Float]?) -> Double {
        var gradients = [Float](repeating: 0, count: 2 * labels.count)
        for (row, label) in labels.enumerated() {
            (gradients[2 * row], gradients[2 * row + 1]) = gradient(margin: 0, label: label, weight: weights?[row] ?? 1)
        }
        return transform([Self.newtonStep(gradients: gradients)][...])[0]
    }

    /// -ΣG / max(ΣH, 1e-6) over interleaved gradient pairs, summed in Double (xgboost's
    /// `FitStump` on one thread).
    static func newtonStep(gradients: [Float]) -> Float {
        var g = 0.0, h = 0.0
        for row in 0..<(gradients.count / 2) {
            g += Double(gradients[2 * row])
            h += Double(gradients[2 * row + 1])
        }
        return Float(-g / max(h, 1e-6))
    }

    /// The margin an intercept in prediction space starts from (xgboost's `ProbToMargin`).
    func margin(ofBaseScore score: Double) -> Float {
        switch kind {
        case .regLogistic, .binaryLogistic:
            let p = min(max(score, 1e-6), 1 - 1e-6)
            return Float(log(p / (1 - p)))
        case .poisson, .gamma, .tweedie:
            return Float(log(max(score, 1e-300)))
        default:
            return Float(score)
        }
    }

    /// The `alpha` quantile as xgboost computes it: unweighted, interpolated at rank
    /// alpha·(n+1); weighted, the first value whose cumulative weight reaches alpha of the total.
    static func weightedQuantile(_ values: [Double], weights: [Float]?, alpha: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let order = values.indices.sorted { values[$0] < values[$1] || values[$0] == values[$1] && $0 < $1 }
        guard let weights else {
            let n = Double(values.count)
            if alpha <= 1 / (n + 1) { return values[order[0]] }
            if alpha >= n / (n + 1) { return values[order[order.count - 1]] }
            let x = alpha * (n + 1)
            let k = Int(x.rounded(.down)) - 1
            let d = (x - 1) - Double(k)
            return values[order[k]] + d * (values[order[k + 1]] - values[order[k]])
        }
        var cumulative: [Float] = []
        cumulative.reserveCapacity(order.count)
        var running: Float = 0
        for index in order {
            running += weights[index]
            cumulative.append(running)
        }
        let threshold = running * Float(alpha)
        let position = cumulative.firstIndex { $0 >= threshold } ?? order.count - 1
        return values[order[position]]
    }
}

import Foundation

/// One of xgboost's evaluation metrics (`eval_metric`), computed as xgboost computes it on
/// the objective's evaluation predictions (probabilities for classifiers), weighted by the
/// records' weights.
public struct EvaluationMetric: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case rmse, rmsle, mae, mape, mphe, logloss, error, auc, aucpr, merror, mlogloss
        case poissonNegativeLogLikelihood = "poisson-nloglik"
        case gammaNegativeLogLikelihood = "gamma-nloglik"
        case gammaDeviance = "gamma-deviance"
        case tweedieNegativeLogLikelihood = "tweedie-nloglik"
        case ndcg, map
        case precision = "pre"

        /// Measured per query group on the model's ranking.
        var isRanking: Bool { self == .ndcg || self == .map || self == .precision }
    }

    public let kind: Kind
    /// `error@t`'s threshold, `tweedie-nloglik@rho`'s power, `mphe`'s slope, or a ranking
    /// metric's top k (`ndcg@10`).
    public let parameter: Double?
    /// Ranking metrics: a group without relevant documents scores 0 (`ndcg-`), not 1.
    public var minus = false
    /// Ranking metrics without `@k`: the whole list (the default metric of mean-pair
    /// objectives) rather than xgboost's default top 32.
    public var wholeList = false
    /// NDCG's gain: 2^rel - 1 (xgboost's `ndcg_exp_gain`, the default) or rel.
    public var exponentialGain = true

    public init(_ kind: Kind, parameter: Double? = nil) {
        self.kind = kind
        self.parameter = parameter
    }

    /// Parses `rmse`, `error@0.7`, `tweedie-nloglik@1.5`, `ndcg@10`, `map-`; nil for anything else.
    public init?(name: String) {
        var text = name.lowercased()
        var minus = false
        if text.hasSuffix("-"), let kind = Kind(rawValue: String(text.prefix { $0 != "@" && $0 != "-" })), kind.isRanking {
            minus = true
            text.removeLast()
        }
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard let kind = Kind(rawValue: parts[0]) else { return nil }
        var parameter: Double?
        if parts.count == 2 {
            guard let value = Double(parts[1]), value.isFinite else { return nil }
            switch kind {
            case .error, .tweedieNegativeLogLikelihood: parameter = value
            case .ndcg, .map, .precision:
                guard value >= 1, value <= Double(LambdaRankParameters.notSet), value == value.rounded() else { return nil }
                parameter = value
            default: return nil
            }
        }
        self.init(kind, parameter: parameter)
        self.minus = minus
    }

    /// The name as xgboost prints it (`error@0.7`, `tweedie-nloglik@1.5`, `ndcg@10-`).
    public var name: String {
        switch kind {
        case .tweedieNegativeLogLikelihood: return "\(kind.rawValue)@\(Self.short(parameter ?? 1.5))"
        case .error: return parameter.map { "error@\(Self.short($0))" } ?? "error"
        case .ndcg, .map, .precision: return kind.rawValue + (parameter.map { "@\(Self.short($0))" } ?? "") + (minus ? "-" : "")
        default: return kind.rawValue
        }
    }

    /// The top k a ranking metric looks at: `@k`, else xgboost's default 32; nil for the whole list.
    var topK: Int? {
        if let parameter { return Int(parameter) }
        return wholeList ? nil : 32
    }

    /// Why `label` cannot be measured by this metric; nil when it can.
    func labelProblem(_ label: Float) -> String? {
        switch kind {
        case .ndcg where exponentialGain: return Self.relevanceProblem(label)
        case .map, .precision: return Self.binaryRelevanceProblem(label, name: name)
        default: return nil
        }
    }

    /// NDCG's exponential gain takes relevance degrees 0...31.
    static func relevanceProblem(_ label: Float) -> String? {
        label >= 0 && label <= 31 && label == label.rounded() ? nil
            : "is \(label); NDCG with exponential gain takes relevance degrees 0...31 (set ndcg_exp_gain=false for other gains)"
    }

    /// MAP and precision take relevant (1) or not (0).
    static func binaryRelevanceProblem(_ label: Float, name: String) -> String? {
        label == 0 || label == 1 ? nil : "is \(label); \(name) takes binary relevance labels (0 or 1)"
    }

    private static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Whether larger values are better (for early stopping).
    public var higherIsBetter: Bool { kind == .auc || kind == .aucpr || kind.isRanking }

    /// Why this metric cannot measure `objective`'s predictions; nil when it can.
    func problem(with objective: BoostingObjective) -> String? {
        let multiclass = objective.kind.isMulticlass
        switch kind {
        case .merror, .mlogloss:
            return multiclass ? nil : "\(name) measures multi:softmax and multi:softprob models"
        case .auc:
            return nil
        case .logloss, .error, .aucpr, .ndcg, .map, .precision:
            return multiclass ? "\(name) measures one output per record; use merror, mlogloss or auc" : nil
        default:
            return multiclass ? "\(name) measures one output per record; use merror or mlogloss" : nil
        }
    }

    /// The metric over predictions (`outputs` per record, row-major), labels, weights and
    /// query groups (ranking metrics weigh groups, the others records).
    func evaluate(predictions: [Double], outputs: Int, labels: [Float], weights: [Float]?, groups: QueryGroups) -> Double {
        let n = labels.count
        guard n > 0 else { return .nan }
        if kind.isRanking { return ranking(predictions, labels: labels, groups: groups) }
        func weight(_ row: Int) -> Double { Double(weights?[row] ?? 1) }
        func weightedMean(_ loss: (Double, Double) -> Double) -> Double {
            var sum = 0.0, total = 0.0
            for row in 0..<n {
                let w = weight(row)
                sum += w * loss(predictions[row], Double(labels[row]))
                total += w
            }
            return total > 0 ? sum / total : .nan
        }
        let eps = 1e-16
        switch kind {
        case .rmse: return weightedMean { p, y in (p - y) * (p - y) }.squareRoot()
        case .rmsle: return weightedMean { p, y in let d = log1p(p) - log1p(y); return d * d }.squareRoot()
        case .mae: return weightedMean { p, y in abs(p - y) }
        case .mape: return weightedMean { p, y in abs((y - p) / y) }
        case .mphe:
            let slope = parameter ?? 1
            return weightedMean { p, y in let z = (y - p) / slope; return slope * slope * ((1 + z * z).squareRoot() - 1) }
        case .logloss:
            return weightedMean { p, y in
                let q = min(max(p, eps), 1 - eps)
                return -(y * log(q) + (1 - y) * log(1 - q))
            }
        case .error:
            let threshold = parameter ?? 0.5
            return weightedMean { p, y in (p > threshold ? 1 : 0) != y ? 1 : 0 }
        case .poissonNegativeLogLikelihood:
            return weightedMean { p, y in let q = max(p, eps); return lgamma(y + 1) + q - log(q) * y }
        case .gammaNegativeLogLikelihood:
            return weightedMean { p, y in let q = max(p, eps); return y / q + log(q) }
        case .gammaDeviance:
            return 2 * weightedMean { p, y in let ratio = (y + 1e-6) / (p + 1e-6); return ratio - log(ratio) - 1 }
        case .tweedieNegativeLogLikelihood:
            let rho = parameter ?? 1.5
            return weightedMean { p, y in
                let q = max(p, eps)
                return -y * exp((1 - rho) * log(q)) / (1 - rho) + exp((2 - rho) * log(q)) / (2 - rho)
            }
        case .merror:
            var wrong = 0.0, total = 0.0
            for row in 0..<n {
                let base = row * outputs
                var best = 0
                for c in 1..<outputs where predictions[base + c] > predictions[base + best] { best = c }
                if best != Int(labels[row]) { wrong += weight(row) }
                total += weight(row)
            }
            return wrong / total
        case .mlogloss:
            var sum = 0.0, total = 0.0
            for row in 0..<n {
                let p = predictions[row * outputs + Int(labels[row])]
                sum -= weight(row) * log(max(p, eps))
                total += weight(row)
            }
            return sum / total
        case .auc where groups.declared && outputs == 1, .aucpr where groups.declared:
            return rankingArea(predictions, labels: labels, groups: groups)
        case .auc:
            guard outputs > 1 else { return Self.binaryArea(predictions, labels: labels.map(Double.init), weights: weights, precisionRecall: false) }
            // One against the rest, weighted by each class's share, as xgboost's multi-class AUC.
            var area = 0.0, shares = 0.0
            for c in 0..<outputs {
                let scores = (0..<n).map { predictions[$0 * outputs + c] }
                let truth = labels.map { Int($0) == c ? 1.0 : 0.0 }
                let share = (0..<n).reduce(0.0) { $0 + truth[$1] * weight($1) }
                let value = Self.binaryArea(scores, labels: truth, weights: weights, precisionRecall: false)
                guard value.isFinite, share > 0 else { continue }
                area += value * share
                shares += share
            }
            return shares > 0 ? area / shares : .nan
        case .aucpr:
            return Self.binaryArea(predictions, labels: labels.map(Double.init), weights: weights, precisionRecall: true)
        case .ndcg, .map, .precision:
            return .nan
        }
    }

    /// AUC over query groups, as xgboost's learning-to-rank AUC: per group, ROC over every
    /// pair of records ordered by label (pairs of equal labels count too), or PR AUC; the
    /// mean over groups where it is defined (ROC needs 3 records).
    func rankingArea(_ predictions: [Double], labels: [Float], groups: QueryGroups) -> Double {
        var total = 0.0
        var valid = 0
        for group in 0..<groups.count {
            let range = groups.range(group)
            let weight = Double(groups.weights?[group] ?? 1)
            var area = Double.nan
            if kind == .auc {
                guard range.count >= 3 else { continue }
                let order = range.sorted { labels[$0] > labels[$1] || labels[$0] == labels[$1] && $0 < $1 }
                let w = weight * weight
                var sum = 0.0, count = 0.0
                for i in 0..<order.count {
                    for j in (i + 1)..<order.count {
                        let difference = Float(predictions[order[i]]) - Float(predictions[order[j]])
                        sum += (difference > 0 ? 1 : difference == 0 ? 0.5 : 0) * w
                        count += w
                    }
                }
                area = count != 0 ? sum / count : sum
            } else {
                area = Self.binaryArea(Array(predictions[range]), labels: range.map { Double(labels[$0]) },
                                       weights: Array(repeating: Float(weight), count: range.count), precisionRecall: true)
            }
            if area.isFinite {
                total += area
                valid += 1
            }
        }
        return total / Double(valid)
    }

    /// NDCG, MAP or precision at k, averaged over query groups by their weights, as
    /// xgboost 3.2 computes them (ties in score keep record order).
    func ranking(_ predictions: [Double], labels: [Float], groups: QueryGroups) -> Double {
        let k = topK ?? Int.max
        var total = 0.0, totalWeight = 0.0
        for group in 0..<groups.count {
            let range = groups.range(group)
            let weight = Double(groups.weights?[group] ?? 1)
            totalWeight += weight
            guard !range.isEmpty else { continue }
            let scores = range.map { Float(predictions[$0]) }
            let order = scores.withUnsafeBufferPointer { LambdaRankGradients.rankByScore($0) }
            let ranked = order.map { labels[range.lowerBound + $0] }
            let n = min(k, ranked.count)
            var score = 0.0
            switch kind {
            case .ndcg:
                let inverseIDCG = LambdaRankGradients.inverseIdealDCG(labels[range], topK: k, exponentialGain: exponentialGain)
                if inverseIDCG <= 0 {
                    score = minus ? 0 : 1  // unweighted, as xgboost counts such a group
                } else {
                    for position in 0..<n {
                        score += LambdaRankGradients.discount(position) * LambdaRankGradients.gain(ranked[position], exponential: exponentialGain) * inverseIDCG
                    }
                    score *= weight
                }
            case .map:
                var hits = 0.0
                for position in 0..<n {
                    let relevance = Double(ranked[position])
                    hits += relevance
                    score += hits / Double(position + 1) * relevance
                }
                for position in n..<ranked.count { hits += Double(ranked[position]) }
                score = hits > 0 ? score / min(hits, Double(k)) : (minus ? 0 : 1)
                score *= weight
            default:
                var hits = 0.0
                for position in 0..<n { hits += Double(ranked[position]) * weight }
                score = hits / Double(n)
            }
            total += score
        }
        return totalWeight > 0 ? min(1, total / totalWeight) : total
    }

    /// ROC AUC (trapezoids between distinct scores) or xgboost's interpolated PR AUC;
    /// NaN when one class is absent.
    static func binaryArea(_ scores: [Double], labels: [Double], weights: [Float]?, precisionRecall: Bool) -> Double {
        let order = scores.indices.sorted { scores[$0] > scores[$1] || scores[$0] == scores[$1] && $0 < $1 }
        var totalPositive = 0.0, totalNegative = 0.0
        for row in scores.indices {
            let w = Double(weights?[row] ?? 1)
            totalPositive += w * labels[row]
            totalNegative += w * (1 - labels[row])
        }
        guard totalPositive > 0, totalNegative > 0 else { return .nan }
        func area(_ fpPrevious: Double, _ fp: Double, _ tpPrevious: Double, _ tp: Double) -> Double {
            guard precisionRecall else { return (fp - fpPrevious) * (tp + tpPrevious) / 2 }
            let recallPrevious = tpPrevious / totalPositive, recall = tp / totalPositive
            var a = 1.0, b = 0.0
            if tp != tpPrevious {
                let h = (fp - fpPrevious) / (tp - tpPrevious)
                a = h + 1
                b = (fpPrevious - h * tpPrevious) / totalPositive
            }
            if b != 0 { return (recall - recallPrevious - b / a * (log(a * recall + b) - log(a * recallPrevious + b))) / a }
            return (recall - recallPrevious) / a
        }
        var total = 0.0
        var fp = 0.0, tp = 0.0, fpPrevious = 0.0, tpPrevious = 0.0
        for (position, row) in order.enumerated() {
            if position > 0 && scores[row] != scores[order[position - 1]] {
                total += area(fpPrevious, fp, tpPrevious, tp)
                tpPrevious = tp
                fpPrevious = fp
            }
            let w = Double(weights?[row] ?? 1)
            fp += (1 - labels[row]) * w
            tp += labels[row] * w
        }
        total += area(fpPrevious, fp, tpPrevious, tp)
        return precisionRecall ? total : total / (fp * tp)
    }
}

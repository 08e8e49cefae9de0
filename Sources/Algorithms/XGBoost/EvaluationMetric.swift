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
    }

    public let kind: Kind
    /// `error@t`'s threshold, `tweedie-nloglik@rho`'s power or `mphe`'s slope.
    public let parameter: Double?

    public init(_ kind: Kind, parameter: Double? = nil) {
        self.kind = kind
        self.parameter = parameter
    }

    /// Parses `rmse`, `error@0.7`, `tweedie-nloglik@1.5`; nil for anything else.
    public init?(name: String) {
        let parts = name.split(separator: "@", maxSplits: 1).map(String.init)
        guard let kind = Kind(rawValue: parts[0].lowercased()) else { return nil }
        var parameter: Double?
        if parts.count == 2 {
            guard kind == .error || kind == .tweedieNegativeLogLikelihood, let value = Double(parts[1]), value.isFinite else { return nil }
            parameter = value
        }
        self.init(kind, parameter: parameter)
    }

    /// The name as xgboost prints it (`error@0.7`, `tweedie-nloglik@1.5`).
    public var name: String {
        switch kind {
        case .tweedieNegativeLogLikelihood: return "\(kind.rawValue)@\(Self.short(parameter ?? 1.5))"
        case .error: return parameter.map { "error@\(Self.short($0))" } ?? "error"
        default: return kind.rawValue
        }
    }

    private static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Whether larger values are better (for early stopping).
    public var higherIsBetter: Bool { kind == .auc || kind == .aucpr }

    /// Why this metric cannot measure `objective`'s predictions; nil when it can.
    func problem(with objective: BoostingObjective) -> String? {
        let multiclass = objective.kind.isMulticlass
        switch kind {
        case .merror, .mlogloss:
            return multiclass ? nil : "\(name) measures multi:softmax and multi:softprob models"
        case .auc:
            return nil
        case .logloss, .error, .aucpr:
            return multiclass ? "\(name) measures one output per record; use merror, mlogloss or auc" : nil
        default:
            return multiclass ? "\(name) measures one output per record; use merror or mlogloss" : nil
        }
    }

    /// The metric over predictions (`outputs` per record, row-major), labels and weights.
    func evaluate(predictions: [Double], outputs: Int, labels: [Float], weights: [Float]?) -> Double {
        let n = labels.count
        guard n > 0 else { return .nan }
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
        }
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

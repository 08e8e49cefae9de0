import WeirMath

/// The binary classifier's decision threshold: the cut on its scores that is best for
/// `binary_classifier_model_selection_criteria` on calibration records, and the metrics
/// SageMaker's Linear Learner reports at a threshold.
struct BinaryThreshold: Sendable {
    typealias Criterion = LinearLearnerHyperparameters.SelectionCriterion
    let criterion: Criterion
    let beta: Double
    let targetPrecision: Double
    let targetRecall: Double

    /// The threshold (predict positive when score >= threshold) and the criterion's value
    /// there. When no cut reaches `target_precision`, the most precise cut, valued 0.
    func best(scores: [Double], labels: [Bool]) -> (threshold: Double, value: Double) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let positives = labels.filter { $0 }.count, total = labels.count
        // Cut 0: everything negative.
        var bestThreshold = (scores.max() ?? 0).nextUp
        var bestValue = value(truePositives: 0, falsePositives: 0, positives: positives, total: total)
        var mostPrecise = (threshold: bestThreshold, precision: -1.0)
        var truePositives = 0, falsePositives = 0
        var start = 0
        while start < order.count {
            var end = start
            while end < order.count && scores[order[end]] == scores[order[start]] {
                if labels[order[end]] { truePositives += 1 } else { falsePositives += 1 }
                end += 1
            }
            let threshold = scores[order[start]]
            let candidate = value(truePositives: truePositives, falsePositives: falsePositives, positives: positives, total: total)
            if candidate > bestValue {
                bestValue = candidate
                bestThreshold = threshold
            }
            let precision = Double(truePositives) / Double(truePositives + falsePositives)
            if precision > mostPrecise.precision { mostPrecise = (threshold, precision) }
            start = end
        }
        if bestValue == -.infinity { return (mostPrecise.threshold, 0) }
        return (bestThreshold, bestValue)
    }

    /// The criterion at a cut: -infinity where a target is missed.
    func value(truePositives tp: Int, falsePositives fp: Int, positives: Int, total: Int) -> Double {
        let predicted = tp + fp
        let precision = predicted > 0 ? Double(tp) / Double(predicted) : 0
        let recall = positives > 0 ? Double(tp) / Double(positives) : 0
        switch criterion {
        case .accuracy, .lossFunction:
            return total > 0 ? Double(tp + (total - positives - fp)) / Double(total) : 0
        case .fBeta:
            return EvaluationMetrics.fScore(precision: precision, recall: recall, beta: beta)
        case .precisionAtTargetRecall:
            return recall >= targetRecall ? precision : -.infinity
        case .recallAtTargetPrecision:
            return predicted > 0 && precision >= targetPrecision ? recall : -.infinity
        }
    }
}

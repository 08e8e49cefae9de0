/// Scores that training jobs report on a test channel, computed the way SageMaker and
/// GluonTS define them.
public enum EvaluationMetrics {
    /// Area under the ROC curve: the probability that a random positive scores above a
    /// random negative, ties counting half (Mann-Whitney U over average ranks). NaN when
    /// one class is absent.
    public static func rocAUC(scores: [Double], labels: [Bool]) -> Double {
        precondition(scores.count == labels.count, "rocAUC: \(scores.count) scores for \(labels.count) labels")
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return .nan }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumOfPositives = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSumOfPositives += averageRank }
            start = end + 1
        }
        let u = rankSumOfPositives - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// The F-beta score of a precision and a recall (0 when both are 0): beta > 1 weighs
    /// recall more, beta < 1 precision.
    public static func fScore(precision: Double, recall: Double, beta: Double) -> Double {
        let b2 = beta * beta
        let denominator = b2 * precision + recall
        return denominator > 0 ? (1 + b2) * precision * recall / denominator : 0
    }

    /// Root mean squared error.
    public static func rmse(predictions: [Double], targets: [Double]) -> Double {
        precondition(predictions.count == targets.count && !targets.isEmpty, "rmse needs equally many predictions and targets")
        let total = zip(predictions, targets).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (total / Double(targets.count)).squareRoot()
    }

    /// The pinball loss of quantile-q forecasts summed over points, times 2, as GluonTS's
    /// evaluator reports it: 2 Σ |(y - ŷ)(1{y ≤ ŷ} - q)|.
    public static func quantileLoss(targets: [Double], forecasts: [Double], quantile q: Double) -> Double {
        precondition(targets.count == forecasts.count, "quantileLoss: \(forecasts.count) forecasts for \(targets.count) targets")
        var total = 0.0
        for (y, f) in zip(targets, forecasts) {
            total += Swift.abs((y - f) * ((y <= f ? 1 : 0) - q))
        }
        return 2 * total
    }

    /// Quantile loss divided by the sum of |targets|: GluonTS's weighted quantile loss.
    public static func weightedQuantileLoss(targets: [Double], forecasts: [Double], quantile q: Double) -> Double {
        quantileLoss(targets: targets, forecasts: forecasts, quantile: q) / targets.reduce(0) { $0 + Swift.abs($1) }
    }
}

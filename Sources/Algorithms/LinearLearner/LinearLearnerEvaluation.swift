import Foundation
import WeirAlgorithm
import WeirMath

/// The metrics SageMaker's Linear Learner reports for a trained model on a channel
/// (`test:binary_f_beta`, `validation:mse`, ...), by predictor type.
struct LinearLearnerEvaluation {
    struct Metric {
        var name: String
        var value: Double
        /// SageMaker's bracketed word: `loss` (lower is better) or `score`.
        var kind: String
    }

    let model: LinearLearnerModel
    let hp: LinearLearnerHyperparameters

    /// The loss in the model's own (unscaled) label units.
    var loss: LinearLoss {
        LinearLoss(kind: hp.loss, margin: hp.margin, quantile: hp.quantile, epsilon: hp.lossInsensitivity, delta: hp.huberDelta)
    }

    func evaluate(_ channel: LabelledChannel, pass: Int) throws -> [Metric] {
        let loss = self.loss
        var count = 0
        var lossTotal = 0.0
        // Binary.
        var scores: [Double] = [], labels: [Bool] = []
        // Multiclass.
        let classes = model.outputs
        var truePositives = [Int](repeating: 0, count: model.predictorType == .multiclassClassifier ? classes : 0)
        var predictedCounts = truePositives, actualCounts = truePositives
        var correct = 0, topK = 0
        var gain = 0.0
        // Regressor.
        var squared = 0.0, absolute = 0.0
        try channel.forEach(pass: pass) { features, label in
            let linear = model.linearOutputs(features)
            count += 1
            switch model.predictorType {
            case .binaryClassifier:
                lossTotal += Double(loss.evaluate(score: Float(linear[0]), label: label).loss)
                scores.append(model.responseScores(linear)[0])
                labels.append(label == 1)
            case .multiclassClassifier:
                let target = Int(label)
                let top = linear.max() ?? 0
                lossTotal += log(linear.reduce(0.0) { $0 + exp($1 - top) }) + top - linear[target]
                let predicted = linear.indices.max { linear[$0] < linear[$1] } ?? 0
                predictedCounts[predicted] += 1
                actualCounts[target] += 1
                if predicted == target {
                    correct += 1
                    truePositives[target] += 1
                }
                let rank = 1 + linear.reduce(0) { $1 > linear[target] ? $0 + 1 : $0 }
                if rank <= hp.topK { topK += 1 }
                gain += 1 / log2(1 + Double(rank))
            case .regressor:
                let error = linear[0] - Double(label)
                lossTotal += Double(loss.evaluate(score: Float(linear[0]), label: label).loss)
                squared += error * error
                absolute += abs(error)
            }
        }
        guard count > 0 else { throw TrainingJobError(message: "the \(channel.channel.config.name) channel holds no records") }
        let n = Double(count)
        var metrics = [Metric(name: "objective_loss", value: lossTotal / n, kind: "loss")]
        switch model.predictorType {
        case .binaryClassifier:
            var tp = 0, fp = 0
            for (score, positive) in zip(scores, labels) where score >= model.threshold {
                if positive { tp += 1 } else { fp += 1 }
            }
            let positives = labels.filter { $0 }.count
            let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
            let recall = positives > 0 ? Double(tp) / Double(positives) : 0
            metrics += [
                Metric(name: "binary_classification_accuracy", value: Double(tp + (count - positives - fp)) / n, kind: "score"),
                Metric(name: "binary_f_beta", value: EvaluationMetrics.fScore(precision: precision, recall: recall, beta: hp.fBeta), kind: "score"),
                Metric(name: "precision", value: precision, kind: "score"),
                Metric(name: "recall", value: recall, kind: "score"),
            ]
            let auc = EvaluationMetrics.rocAUC(scores: scores, labels: labels)
            if auc.isFinite { metrics.append(Metric(name: "roc_auc_score", value: auc, kind: "score")) }
        case .multiclassClassifier:
            var precisions = 0.0, recalls = 0.0, fScores = 0.0
            for c in 0..<classes {
                let precision = predictedCounts[c] > 0 ? Double(truePositives[c]) / Double(predictedCounts[c]) : 0
                let recall = actualCounts[c] > 0 ? Double(truePositives[c]) / Double(actualCounts[c]) : 0
                precisions += precision
                recalls += recall
                fScores += EvaluationMetrics.fScore(precision: precision, recall: recall, beta: hp.fBeta)
            }
            let c = Double(classes)
            metrics += [
                Metric(name: "multiclass_accuracy", value: Double(correct) / n, kind: "score"),
                Metric(name: "multiclass_top_k_accuracy", value: Double(topK) / n, kind: "score"),
                Metric(name: "macro_precision", value: precisions / c, kind: "score"),
                Metric(name: "macro_recall", value: recalls / c, kind: "score"),
                Metric(name: "macro_f_beta", value: fScores / c, kind: "score"),
                Metric(name: "dcg", value: gain / n, kind: "score"),
            ]
        case .regressor:
            metrics += [
                Metric(name: "mse", value: squared / n, kind: "loss"),
                Metric(name: "rmse", value: (squared / n).squareRoot(), kind: "loss"),
                Metric(name: "absolute_loss", value: absolute / n, kind: "loss"),
            ]
        }
        return metrics
    }
}

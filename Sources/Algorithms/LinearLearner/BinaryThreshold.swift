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
        // Sorted as integers: each score's order-preserving bits with its label in the lowest bit.
        var keys = zip(scores, labels).map { score, positive -> UInt64 in
            let bits = score.bitPattern
            let ordered = score.sign == .minus ? ~bits : bits | (1 << 63)
            return (ordered & ~1) | (positive ? 1 : 0)
        }
        keys = Self.radixSortedDescending(keys)
        let positives = labels.filter { $0 }.count, total = labels.count
        func score(of key: UInt64) -> Double {
            let ordered = key & ~1
            return Double(bitPattern: ordered & (1 << 63) != 0 ? ordered & ~(1 << 63) : ~ordered)
        }
        // Cut 0: everything negative.
        var bestThreshold = (scores.max() ?? 0).nextUp
        var bestValue = value(truePositives: 0, falsePositives: 0, positives: positives, total: total)
        var mostPrecise = (threshold: bestThreshold, precision: -1.0)
        var truePositives = 0, falsePositives = 0
        var start = 0
        while start < keys.count {
            var end = start
            // One group: scores equal up to their lowest bit (the label's place).
            while end < keys.count && keys[end] >> 1 == keys[start] >> 1 {
                if keys[end] & 1 == 1 { truePositives += 1 } else { falsePositives += 1 }
                end += 1
            }
            let threshold = score(of: keys[end - 1])
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

    /// Keys in descending order by a least-significant-digit radix sort on 16-bit digits:
    /// four linear passes, where a comparison sort of a million scores per model would
    /// dominate choosing among the models.
    static func radixSortedDescending(_ keys: [UInt64]) -> [UInt64] {
        var source = keys.map { ~$0 }
        var target = [UInt64](repeating: 0, count: keys.count)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift in stride(from: 0, to: 64, by: 16) {
            for index in counts.indices { counts[index] = 0 }
            for key in source { counts[Int((key >> UInt64(shift)) & 0xFFFF)] += 1 }
            var total = 0
            for index in counts.indices {
                let count = counts[index]
                counts[index] = total
                total += count
            }
            for key in source {
                let digit = Int((key >> UInt64(shift)) & 0xFFFF)
                target[counts[digit]] = key
                counts[digit] += 1
            }
            swap(&source, &target)
        }
        return source.map { ~$0 }
    }
}

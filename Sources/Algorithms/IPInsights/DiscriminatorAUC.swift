import WeirMath

/// SageMaker's validation metric for IP Insights: how well the model tells real
/// (entity, address) pairs from the same entities paired with random addresses, as the
/// area under the ROC curve. Each real pair gets one random counterpart of its address
/// family, drawn from `seed`, so the figure is reproducible.
public enum DiscriminatorAUC {
    public static func compute(scorer: IPInsightsScorer, entityRows: [Int32], addresses: [IPAddress], seed: UInt64) -> Double {
        precondition(entityRows.count == addresses.count, "one entity per address")
        guard !addresses.isEmpty else { return .nan }
        var random = RandomSource(seed: seed)
        let negatives = addresses.map { IPAddress.random(sameFamilyAs: $0, using: &random) }
        var scores = [Float](repeating: 0, count: addresses.count * 2)
        entityRows.withUnsafeBufferPointer { rows in
            scores.withUnsafeMutableBufferPointer { out in
                addresses.withUnsafeBufferPointer { real in
                    scorer.score(entityRows: rows, addresses: real, into: out.baseAddress!)
                }
                negatives.withUnsafeBufferPointer { fake in
                    scorer.score(entityRows: rows, addresses: fake, into: out.baseAddress! + addresses.count)
                }
            }
        }
        let labels = (0..<scores.count).map { $0 < addresses.count }
        return EvaluationMetrics.rocAUC(scores: scores.map(Double.init), labels: labels)
    }
}

/// Each record's weight in the loss: `positive_example_weight_mult` on a binary
/// classifier's positives, or with `balance_multiclass_weights` the inverse of each class's
/// frequency (records / (classes x records of the class)); 1 otherwise.
struct RowWeighting: Sendable {
    let positiveWeight: Float
    let classWeights: [Float]?

    init(hp: LinearLearnerHyperparameters, classCounts: [Int], records: Int) {
        switch hp.predictor {
        case .binaryClassifier:
            positiveWeight = Float(hp.positiveClassWeight(positives: classCounts[1], negatives: classCounts[0]))
            classWeights = nil
        case .multiclassClassifier:
            positiveWeight = 1
            let classes = Double(classCounts.count)
            classWeights = hp.balanceMulticlassWeights
                ? classCounts.map { $0 > 0 ? Float(Double(records) / (classes * Double($0))) : 1 }
                : nil
        case .regressor:
            positiveWeight = 1
            classWeights = nil
        }
    }

    func weights(_ labels: [Float]) -> [Float] {
        if let classWeights { return labels.map { classWeights[Int($0)] } }
        if positiveWeight != 1 { return labels.map { $0 == 1 ? positiveWeight : 1 } }
        return [Float](repeating: 1, count: labels.count)
    }
}

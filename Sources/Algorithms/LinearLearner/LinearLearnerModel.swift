import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats

/// A trained Linear Learner: one linear function per output on the records' own scale
/// (the scalers are folded into the weights and biases, so scoring is one dot product per
/// output), what its score means, and the binary classifier's decision threshold.
public struct LinearLearnerModel: Sendable, Equatable {
    public typealias PredictorType = LinearLearnerHyperparameters.PredictorType
    public typealias Loss = LinearLearnerHyperparameters.Loss
    public let predictorType: PredictorType
    public let loss: Loss
    public let features: Int
    /// Classes of a multiclass classifier, else 1.
    public let outputs: Int
    /// features x outputs, row-major.
    let weights: [Float]
    let bias: [Double]
    /// Binary: predict 1 when the response score is at least this.
    public let threshold: Double

    init(predictorType: PredictorType, loss: Loss, features: Int, outputs: Int, weights: [Float], bias: [Double], threshold: Double) {
        self.predictorType = predictorType
        self.loss = loss
        self.features = features
        self.outputs = outputs
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
    }

    /// The linear outputs of a dense record of `features` values.
    func linearOutputs(dense x: [Double]) -> [Double] {
        var out = bias
        weights.withUnsafeBufferPointer { w in
            if outputs == 1 {
                var total = 0.0
                for j in 0..<features where x[j] != 0 { total += x[j] * Double(w[j]) }
                out[0] += total
            } else {
                for j in 0..<features where x[j] != 0 {
                    let base = j * outputs
                    for c in 0..<outputs { out[c] += x[j] * Double(w[base + c]) }
                }
            }
        }
        return out
    }

    /// The linear outputs of a sparse record (indices checked below `features`).
    func linearOutputs(indices: [Int], values: [Double]) -> [Double] {
        var out = bias
        for (j, x) in zip(indices, values) {
            let base = j * outputs
            for c in 0..<outputs { out[c] += x * Double(weights[base + c]) }
        }
        return out
    }

    /// The linear outputs of a checked record (its indices below `features`): a sparse
    /// record costs its non-zeros.
    func linearOutputs(_ features: FeatureVector) -> [Double] {
        switch features {
        case .sparse(let indices, let values, _): return linearOutputs(indices: indices, values: values)
        case .dense(let values): return linearOutputs(dense: values)
        }
    }

    /// The response score: a probability (logistic), the raw margin (hinge), class
    /// probabilities (softmax) or the predicted label value (regressor).
    func responseScores(_ linear: [Double]) -> [Double] {
        switch predictorType {
        case .binaryClassifier:
            return loss == .logistic ? [1 / (1 + exp(-linear[0]))] : linear
        case .multiclassClassifier:
            let top = linear.max() ?? 0
            let exps = linear.map { exp($0 - top) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        case .regressor:
            return linear
        }
    }

    /// The predicted label from response scores.
    func predictedLabel(_ scores: [Double]) -> Double {
        switch predictorType {
        case .binaryClassifier: return scores[0] >= threshold ? 1 : 0
        case .multiclassClassifier: return Double(scores.indices.max { scores[$0] < scores[$1] } ?? 0)
        case .regressor: return scores[0]
        }
    }
}

extension LinearLearnerModel: ModelSnapshot {
    static let magic = Array("WEIRLIN1".utf8)

    public init(snapshot bytes: [UInt8], name: String) throws {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir Linear Learner model")
        let version = try reader.read(UInt32.self)
        guard version == 1 else { throw reader.error("Linear Learner format version \(version) is newer than this weir reads (1)") }
        let codes = try reader.readBytes(count: 2)
        let types = PredictorType.allCases, losses = Loss.allCases
        guard Int(codes[0]) < types.count, Int(codes[1]) < losses.count else { throw reader.error("unknown codes \(codes)") }
        let type = types[Int(codes[0])], loss = losses[Int(codes[1])]
        let features = try reader.readCount(maximum: 100_000_000, "feature dimension")
        let outputs = try reader.readCount(maximum: 1_000_000, "outputs")
        let threshold = try reader.readDouble()
        let weights = try reader.readFloats()
        let bias = try reader.readDoubles()
        try reader.expectEnd()
        let (size, overflow) = features.multipliedReportingOverflow(by: outputs)
        guard features > 0, outputs > 0, !overflow, weights.count == size, bias.count == outputs,
              (type == .multiclassClassifier) == (outputs > 1), type != .multiclassClassifier || outputs >= 3,
              LinearLearnerHyperparameters.Loss.allowed(for: type).contains(loss) else {
            throw reader.error("shapes disagree: \(weights.count) weights, \(bias.count) biases, \(features) features x \(outputs) outputs, \(type.rawValue) with \(loss.rawValue)")
        }
        guard weights.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite), !threshold.isNaN else {
            throw ModelSnapshotError(name: name, "the model holds non-finite values")
        }
        self.init(predictorType: type, loss: loss, features: features, outputs: outputs, weights: weights, bias: bias, threshold: threshold)
    }

    public func snapshot() -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + weights.count * 4 + bias.count * 8)
        writer.append(raw: Self.magic)
        writer.write(UInt32(1))
        writer.append(raw: [UInt8(PredictorType.allCases.firstIndex(of: predictorType) ?? 0), UInt8(Loss.allCases.firstIndex(of: loss) ?? 0)])
        writer.write(UInt64(features))
        writer.write(UInt64(outputs))
        writer.write(threshold)
        writer.write(floats: weights)
        writer.write(doubles: bias)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    public var inputCount: Int? { features }
}

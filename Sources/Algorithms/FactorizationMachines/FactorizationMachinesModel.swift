import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats

/// A trained factorization machine: ŷ = w0 + Σ w_i x_i + Σ_{i<j} <v_i, v_j> x_i x_j,
/// computed in O(non-zeros x factors) as w0 + Σ w_i x_i + ½ Σ_f ((Σ_i v_if x_i)² - Σ_i v_if² x_i²).
public struct FactorizationMachinesModel: Sendable, Equatable {
    public typealias PredictorType = FactorizationMachinesHyperparameters.PredictorType
    public let predictorType: PredictorType
    public let features: Int
    public let factors: Int
    public let bias: Double
    let linear: [Float]
    /// features x factors, row-major.
    let factorMatrix: [Float]

    init(predictorType: PredictorType, features: Int, factors: Int, bias: Double, linear: [Float], factorMatrix: [Float]) {
        self.predictorType = predictorType
        self.features = features
        self.factors = factors
        self.bias = bias
        self.linear = linear
        self.factorMatrix = factorMatrix
    }

    /// ŷ over a record's (column, value) entries (columns below `features`).
    func output(_ entries: some Sequence<(Int, Double)>) -> Double {
        var sums = [Double](repeating: 0, count: factors), squares = sums
        var total = bias
        for (column, x) in entries where x != 0 {
            total += Double(linear[column]) * x
            let base = column * factors
            for f in 0..<factors {
                let vx = Double(factorMatrix[base + f]) * x
                sums[f] += vx
                squares[f] += vx * vx
            }
        }
        for f in 0..<factors { total += 0.5 * (sums[f] * sums[f] - squares[f]) }
        return total
    }

    /// ŷ of a checked record: a sparse record costs its non-zeros.
    func output(_ features: FeatureVector) -> Double {
        switch features {
        case .sparse(let indices, let values, _): return output(zip(indices, values).lazy.map { ($0, $1) })
        case .dense(let values): return output(values.enumerated().lazy.map { ($0, $1) })
        }
    }

    /// The response score: a probability for a binary classifier, ŷ for a regressor.
    func responseScore(_ output: Double) -> Double {
        predictorType == .binaryClassifier ? 1 / (1 + exp(-output)) : output
    }
}

extension FactorizationMachinesModel: ModelSnapshot {
    static let magic = Array("WEIRFMC1".utf8)

    public init(snapshot bytes: [UInt8], name: String) throws {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir factorization machine")
        let version = try reader.read(UInt32.self)
        guard version == 1 else { throw reader.error("factorization machine format version \(version) is newer than this weir reads (1)") }
        let code = try reader.readBytes(count: 1)[0]
        guard Int(code) < PredictorType.allCases.count else { throw reader.error("unknown predictor type \(code)") }
        let features = try reader.readCount(maximum: 100_000_000, "feature dimension")
        let factors = try reader.readCount(maximum: 1_000, "factors")
        let bias = try reader.readDouble()
        let linear = try reader.readFloats()
        let factorMatrix = try reader.readFloats()
        try reader.expectEnd()
        let (size, overflow) = features.multipliedReportingOverflow(by: factors)
        guard features > 0, factors > 0, !overflow, linear.count == features, factorMatrix.count == size else {
            throw reader.error("shapes disagree: \(linear.count) linear and \(factorMatrix.count) factor values for \(features) features x \(factors) factors")
        }
        guard bias.isFinite, linear.allSatisfy(\.isFinite), factorMatrix.allSatisfy(\.isFinite) else {
            throw ModelSnapshotError(name: name, "the model holds non-finite values")
        }
        self.init(predictorType: PredictorType.allCases[Int(code)], features: features, factors: factors, bias: bias,
                  linear: linear, factorMatrix: factorMatrix)
    }

    public func snapshot() -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + (linear.count + factorMatrix.count) * 4)
        writer.append(raw: Self.magic)
        writer.write(UInt32(1))
        writer.append(raw: [UInt8(PredictorType.allCases.firstIndex(of: predictorType) ?? 0)])
        writer.write(UInt64(features))
        writer.write(UInt64(factors))
        writer.write(bias)
        writer.write(floats: linear)
        writer.write(floats: factorMatrix)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    public var inputCount: Int? { features }
}

import WeirAlgorithm
import WeirCore
import WeirFormats

/// A trained PCA: `components` unit directions of `dimension` values in order of
/// decreasing variance, the variance along each, the training mean (subtracted before
/// projecting when `subtractMean`), and the distribution of training records'
/// reconstruction errors (for novelty thresholds).
public struct PCAModel: Sendable, Equatable {
    public let dimension: Int
    /// Row-major, `components x dimension`.
    public let components: [Double]
    public let explainedVariance: [Double]
    /// The variance of the data over all directions (the covariance's trace).
    public let totalVariance: Double
    public let mean: [Double]
    public let subtractMean: Bool
    public let trainingRecords: Int
    /// Residual norms |x - reconstruction| of a sample of training records.
    public let calibration: NoveltyCalibration?

    public init(dimension: Int, components: [Double], explainedVariance: [Double], totalVariance: Double, mean: [Double],
                subtractMean: Bool, trainingRecords: Int, calibration: NoveltyCalibration?) {
        precondition(dimension > 0 && !explainedVariance.isEmpty && components.count == explainedVariance.count * dimension
                     && mean.count == dimension, "PCA shapes disagree")
        self.dimension = dimension
        self.components = components
        self.explainedVariance = explainedVariance
        self.totalVariance = totalVariance
        self.mean = mean
        self.subtractMean = subtractMean
        self.trainingRecords = trainingRecords
        self.calibration = calibration
        meanSquaredNorm = mean.reduce(0) { $0 + $1 * $1 }
        meanProjection = (0..<explainedVariance.count).map { component in
            (0..<dimension).reduce(0.0) { $0 + components[component * dimension + $1] * mean[$1] }
        }
    }

    /// |mean|^2 and the mean's projection, for sparse rows.
    let meanSquaredNorm: Double
    let meanProjection: [Double]

    public var componentCount: Int { explainedVariance.count }

    /// The projection of a dense or sparse row; a sparse one costs its non-zeros times the
    /// components (with the mean's projection computed once per call's model).
    public func project(_ features: FeatureVector) -> (projection: [Double], residual: Double) {
        guard case .sparse(let indices, let values, _) = features else { return project(features.denseValues(width: dimension)) }
        var projection = [Double](repeating: 0, count: componentCount)
        var squaredNorm = 0.0
        for (column, value) in zip(indices, values) where column < dimension {
            squaredNorm += value * value
            if subtractMean { squaredNorm -= 2 * value * mean[column] }
            for component in 0..<componentCount { projection[component] += value * components[component * dimension + column] }
        }
        if subtractMean {
            squaredNorm += meanSquaredNorm
            for component in 0..<componentCount { projection[component] -= meanProjection[component] }
        }
        let captured = projection.reduce(0) { $0 + $1 * $1 }
        return (projection, max(0, squaredNorm - captured).squareRoot())
    }

    /// The projection of `x` on the components, and the norm of what they leave out.
    public func project(_ x: [Double]) -> (projection: [Double], residual: Double) {
        var centred = x
        if subtractMean { for index in 0..<dimension { centred[index] -= mean[index] } }
        var projection = [Double](repeating: 0, count: componentCount)
        var squaredNorm = 0.0
        for value in centred { squaredNorm += value * value }
        var captured = 0.0
        for component in 0..<componentCount {
            let base = component * dimension
            var dot = 0.0
            for index in 0..<dimension { dot += components[base + index] * centred[index] }
            projection[component] = dot
            captured += dot * dot
        }
        return (projection, max(0, squaredNorm - captured).squareRoot())
    }
}

extension PCAModel: ModelSnapshot {
    static let magic = Array("WEIRPCA1".utf8)

    public init(snapshot bytes: [UInt8], name: String) throws {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir PCA model")
        let version = try reader.read(UInt32.self)
        guard version == 1 else { throw reader.error("PCA format version \(version) is newer than this weir reads (1)") }
        let dimension = try reader.readCount(maximum: 100_000_000, "feature dimension")
        guard dimension > 0 else { throw reader.error("a model of 0 features") }
        let flags = try reader.read(UInt8.self)
        guard flags <= 1 else { throw reader.error("unknown flags \(flags)") }
        let components = try reader.readDoubles()
        let variance = try reader.readDoubles()
        let mean = try reader.readDoubles()
        let total = try reader.readDouble()
        let records = try reader.readCount(maximum: Int(Int64.max), "training record count")
        let calibration = try NoveltyCalibration.read(from: &reader)
        try reader.expectEnd()
        let (cells, overflow) = variance.count.multipliedReportingOverflow(by: dimension)
        guard !variance.isEmpty, !overflow, components.count == cells, mean.count == dimension else {
            throw reader.error("\(components.count) component values and a mean of \(mean.count) do not fit \(variance.count) components of \(dimension)")
        }
        guard components.allSatisfy(\.isFinite), mean.allSatisfy(\.isFinite), total.isFinite, total >= 0,
              variance.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ModelSnapshotError(name: name, "the model holds non-finite or negative values")
        }
        self.init(dimension: dimension, components: components, explainedVariance: variance, totalVariance: total, mean: mean,
                  subtractMean: flags == 1, trainingRecords: records, calibration: calibration)
    }

    public func snapshot() -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + (components.count + mean.count + explainedVariance.count) * 8)
        writer.append(raw: Self.magic)
        writer.write(UInt32(1))
        writer.write(UInt64(dimension))
        writer.write(UInt8(subtractMean ? 1 : 0))
        writer.write(doubles: components)
        writer.write(doubles: explainedVariance)
        writer.write(doubles: mean)
        writer.write(totalVariance)
        writer.write(UInt64(trainingRecords))
        NoveltyCalibration.write(calibration, to: &writer)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    public var inputCount: Int? { dimension }
}

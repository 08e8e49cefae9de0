import WeirAlgorithm
import WeirCore

/// A trained K-Means model: `k` centres of `dimension` values, the weight of training
/// points each absorbed, and the distribution of training records' distances to their
/// closest centre (for novelty thresholds). Distances are Euclidean, as SageMaker's
/// `distance_to_cluster`.
public struct KMeansModel: Sendable, Equatable {
    public let dimension: Int
    /// Row-major, `k x dimension`.
    public let centres: [Float]
    public let weights: [Double]
    public let trainingRecords: Int
    /// Distances (not squared) of a sample of training records to their closest centre.
    public let calibration: NoveltyCalibration?

    public init(dimension: Int, centres: [Float], weights: [Double], trainingRecords: Int, calibration: NoveltyCalibration?) {
        precondition(dimension > 0 && !weights.isEmpty && centres.count == weights.count * dimension, "centres do not fill k x dimension")
        self.dimension = dimension
        self.centres = centres
        self.weights = weights
        self.trainingRecords = trainingRecords
        self.calibration = calibration
    }

    public var clusterCount: Int { weights.count }

    public var index: CentreIndex { CentreIndex(centres: centres, count: clusterCount, dimension: dimension) }
}

extension KMeansModel: ModelSnapshot {
    static let magic = Array("WEIRKMN1".utf8)

    public init(snapshot bytes: [UInt8], name: String) throws {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir K-Means model")
        let version = try reader.read(UInt32.self)
        guard version == 1 else { throw reader.error("K-Means format version \(version) is newer than this weir reads (1)") }
        let dimension = try reader.readCount(maximum: 10_000_000, "feature dimension")
        guard dimension > 0 else { throw reader.error("a model of 0 features") }
        let centres = try reader.readFloats()
        let weights = try reader.readDoubles()
        guard !weights.isEmpty, centres.count == weights.count.multipliedReportingOverflow(by: dimension).partialValue,
              !weights.count.multipliedReportingOverflow(by: dimension).overflow else {
            throw reader.error("\(centres.count) centre values do not make \(weights.count) centres of \(dimension)")
        }
        guard centres.allSatisfy(\.isFinite) else { throw ModelSnapshotError(name: name, "a centre holds a non-finite value") }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw ModelSnapshotError(name: name, "a cluster weight is negative or non-finite") }
        let records = try reader.readCount(maximum: Int(Int64.max), "training record count")
        let calibration = try NoveltyCalibration.read(from: &reader)
        try reader.expectEnd()
        self.init(dimension: dimension, centres: centres, weights: weights, trainingRecords: records, calibration: calibration)
    }

    public func snapshot() -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + centres.count * 4 + weights.count * 8)
        writer.append(raw: Self.magic)
        writer.write(UInt32(1))
        writer.write(UInt64(dimension))
        writer.write(floats: centres)
        writer.write(doubles: weights)
        writer.write(UInt64(trainingRecords))
        NoveltyCalibration.write(calibration, to: &writer)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    public var inputCount: Int? { dimension }
}

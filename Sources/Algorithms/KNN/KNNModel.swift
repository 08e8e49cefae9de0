import WeirAlgorithm
import WeirCore

/// A trained k-NN model: the reservoir sample (reduced when a reduction is set, at unit
/// length for COSINE) with its labels, searchable through a flat or inverted-file index,
/// and the distribution of the sample's own k-th-neighbour novelty scores.
public struct KNNModel: Sendable, Equatable {
    public let inputDimension: Int
    public let predictorType: KNNHyperparameters.PredictorType
    public let neighbours: Int
    let reducer: DimensionReducer
    let index: NeighbourIndex
    public let labels: [Float]
    /// The cell of each sample point (inverted file), else empty.
    let assignment: [Int32]
    public let calibration: NoveltyCalibration?

    init(inputDimension: Int, predictorType: KNNHyperparameters.PredictorType, neighbours: Int, reducer: DimensionReducer,
         index: NeighbourIndex, labels: [Float], assignment: [Int32], calibration: NoveltyCalibration?) {
        self.inputDimension = inputDimension
        self.predictorType = predictorType
        self.neighbours = neighbours
        self.reducer = reducer
        self.index = index
        self.labels = labels
        self.assignment = assignment
        self.calibration = calibration
    }

    public var metric: KNNHyperparameters.Metric { index.metric }
    public var sampleCount: Int { labels.count }

    /// The neighbours of a record (`inputDimension` Float values), best first: sample
    /// positions and faiss-style scores.
    func neighbours(of x: [Float], excluding: Int? = nil) -> (points: [Int], scores: [Float]) {
        index.search(reducer.reduce(x), k: neighbours, excluding: excluding)
    }

    /// The neighbours of several records at once (one matrix product per block of the
    /// sample for all of them), in the records' order.
    func neighbours(ofBatch records: [[Float]]) -> [TopScores] {
        var reduced: [Float] = []
        reduced.reserveCapacity(records.count * reducer.target)
        for record in records { reduced.append(contentsOf: reducer.reduce(record)) }
        return index.search(batch: reduced, k: neighbours, excluding: [])
    }

    /// The k-th neighbour's score as a novelty score (higher = more unusual): its L2
    /// distance, 1 - cosine, or the negated inner product.
    func novelty(ofScores scores: [Float]) -> Double {
        guard let last = scores.last else { return .infinity }
        switch metric {
        case .l2: return Double(last).squareRoot()
        case .cosine: return 1 - Double(last)
        case .innerProduct: return -Double(last)
        }
    }

    /// The majority label (ties: the label of the nearest tied neighbour) or the mean label.
    func predictedLabel(_ points: [Int]) -> Double {
        guard !points.isEmpty else { return .nan }
        if predictorType == .regressor { return points.reduce(0.0) { $0 + Double(labels[$1]) } / Double(points.count) }
        var votes: [Float: Int] = [:]
        for point in points { votes[labels[point], default: 0] += 1 }
        let most = votes.values.max() ?? 0
        return Double(points.lazy.map { labels[$0] }.first { votes[$0] == most } ?? labels[points[0]])
    }
}

extension KNNModel: ModelSnapshot {
    static let magic = Array("WEIRKNN1".utf8)

    public init(snapshot bytes: [UInt8], name: String) throws {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir k-NN model")
        let version = try reader.read(UInt32.self)
        guard version == 1 || version == 2 else { throw reader.error("k-NN format version \(version) is newer than this weir reads (2)") }
        let input = try reader.readCount(maximum: 1_000_000, "feature dimension")
        let target = try reader.readCount(maximum: 1_000_000, "reduced dimension")
        let codes = try reader.readBytes(count: 3)
        let kinds = KNNHyperparameters.Reduction.allCases, metrics = KNNHyperparameters.Metric.allCases, types = KNNHyperparameters.PredictorType.allCases
        guard Int(codes[0]) < kinds.count, Int(codes[1]) < metrics.count, Int(codes[2]) < types.count else { throw reader.error("unknown codes \(codes)") }
        let kind = kinds[Int(codes[0])]
        let seed = try reader.read(UInt64.self)
        let neighbours = try reader.readCount(maximum: 1_024, "k")
        let probes = try reader.readCount(maximum: 1_000_000, "probes")
        let points = try reader.readFloats()
        let labels = try reader.readFloats()
        let centroids = try reader.readFloats()
        let assignment = try reader.readArray(of: Int32.self)
        // Version 2 adds a product quantizer and the points' codes (faiss.IVFPQ) in place of the points.
        var quantized: (ProductQuantizer, [UInt8])? = nil
        if version == 2 {
            let quantizer = try ProductQuantizer.read(from: &reader, dimension: target)
            let codes = try reader.readBytes()
            guard quantizer.codewords == 256 || codes.allSatisfy({ Int($0) < quantizer.codewords }) else {
                throw reader.error("a code beyond the quantizer's \(quantizer.codewords) codewords")
            }
            quantized = (quantizer, codes)
        }
        let calibration = try NoveltyCalibration.read(from: &reader)
        try reader.expectEnd()
        let stored = quantized.map { $0.1.count == labels.count * $0.0.parts && points.isEmpty } ?? (points.count == labels.count * target)
        guard input > 0, target > 0, (kind == .none) == (target == input), target <= input, neighbours >= 1, neighbours <= labels.count,
              stored, centroids.count % target == 0 else {
            throw reader.error("shapes disagree: \(points.count) values, \(labels.count) labels, \(target) dimensions, k=\(neighbours)")
        }
        guard DimensionReducer.fits(kind: kind, input: input, target: target) else {
            throw reader.error("a sign projection of \(input) x \(target) is over \(DimensionReducer.maximumMatrixValues) values")
        }
        let lists = centroids.count / target
        guard lists == 0 ? assignment.isEmpty : assignment.count == labels.count && assignment.allSatisfy({ $0 >= 0 && Int($0) < lists }) else {
            throw reader.error("the inverted file's cells do not match its \(lists) centroids")
        }
        guard points.allSatisfy(\.isFinite), labels.allSatisfy(\.isFinite), centroids.allSatisfy(\.isFinite),
              quantized?.0.codebooks.allSatisfy(\.isFinite) ?? true else {
            throw ModelSnapshotError(name: name, "the model holds non-finite values")
        }
        let metric = metrics[Int(codes[1])]
        if quantized != nil && metric != .l2 { throw reader.error("a product-quantized index measures L2 only, not \(metric.rawValue)") }
        let storage: NeighbourIndex.Storage = quantized.map { .quantized($0.0, codes: $0.1) } ?? .full(vectors: points, norms: [])
        self.init(inputDimension: input, predictorType: types[Int(codes[2])], neighbours: neighbours,
                  reducer: DimensionReducer(kind: kind, input: input, target: target, seed: seed),
                  index: NeighbourIndex(dimension: target, metric: metric, count: labels.count, centroids: centroids,
                                        assignment: assignment.map { Int($0) }, probes: probes, pointOrder: storage),
                  labels: labels, assignment: assignment, calibration: calibration)
    }

    /// Version 1 for full vectors (flat and inverted-file indexes), version 2 with a
    /// product quantizer's codes in place of the vectors.
    public func snapshot() -> [UInt8] {
        let stored = index.pointOrderStorage
        var writer = BinaryWriter(capacity: 96 + index.count * 4 * (reducer.target + 2) + index.centroids.count * 4)
        writer.append(raw: Self.magic)
        if case .quantized = stored { writer.write(UInt32(2)) } else { writer.write(UInt32(1)) }
        writer.write(UInt64(inputDimension))
        writer.write(UInt64(reducer.target))
        let kinds = KNNHyperparameters.Reduction.allCases, metrics = KNNHyperparameters.Metric.allCases, types = KNNHyperparameters.PredictorType.allCases
        writer.append(raw: [UInt8(kinds.firstIndex(of: reducer.kind) ?? 0), UInt8(metrics.firstIndex(of: metric) ?? 0),
                            UInt8(types.firstIndex(of: predictorType) ?? 0)])
        writer.write(reducer.seed)
        writer.write(UInt64(neighbours))
        writer.write(UInt64(index.probes))
        switch stored {
        case .full(let vectors, _): writer.write(floats: vectors)
        case .quantized: writer.write(floats: [])
        }
        writer.write(floats: labels)
        writer.write(floats: index.centroids)
        writer.write(array: assignment)
        if case .quantized(let quantizer, let codes) = stored {
            quantizer.write(to: &writer)
            writer.write(bytes: codes)
        }
        NoveltyCalibration.write(calibration, to: &writer)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    public var inputCount: Int? { inputDimension }
}

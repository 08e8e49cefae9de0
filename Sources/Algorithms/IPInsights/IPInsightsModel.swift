import WeirAlgorithm
import WeirCore
import WeirMath

/// A trained IP Insights model: entity embeddings (one row per hashed entity), IP prefix
/// embeddings (rows per hashed network, see `IPPrefixBuckets`), and the IP encoder's
/// fully connected layers. An address is encoded by summing its prefixes' rows and
/// passing the sum through the layers (ReLU between them, none after the last); the
/// score of (entity, address) is the dot product of the two vectors, trained as the
/// log-odds that the pair is real. With it travel the filter of trained entities and
/// the calibration of normal scores.
public struct IPInsightsModel: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var vectorDimension: Int
        public var entityVectors: Int
        public var ipVectors: Int
        public var encoderLayers: Int

        public init(vectorDimension: Int, entityVectors: Int, ipVectors: Int = 65_536, encoderLayers: Int = 1) {
            self.vectorDimension = vectorDimension
            self.entityVectors = entityVectors
            self.ipVectors = ipVectors
            self.encoderLayers = encoderLayers
        }
    }

    public let configuration: Configuration
    public internal(set) var entityEmbeddings: [Float]
    public internal(set) var ipEmbeddings: [Float]
    /// Per layer, the `vectorDimension` x `vectorDimension` weights (row = output unit).
    public internal(set) var layerWeights: [[Float]]
    public internal(set) var layerBiases: [[Float]]
    public internal(set) var entityFilter: EntityFilter
    /// Normal events' scores, from the validation channel (or training data without one).
    public var calibration: ScoreCalibration?
    /// The false-positive rate the default fraud threshold is set at.
    public var falsePositiveRate: Double = 0.01

    public var buckets: IPPrefixBuckets { IPPrefixBuckets(rowCount: configuration.ipVectors) }

    /// A freshly initialised model: small normal embeddings (scaled so that an encoded
    /// address, a sum of `IPPrefixBuckets.levels` rows, starts at the entity rows' scale)
    /// and Glorot-uniform layers.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        let d = configuration.vectorDimension
        var random = RandomSource(seed: seed)
        let entityDeviation = 1 / Double(d).squareRoot()
        let ipDeviation = entityDeviation / Double(IPPrefixBuckets.levels).squareRoot()
        entityEmbeddings = (0..<configuration.entityVectors * d).map { _ in Float(random.normal() * entityDeviation) }
        ipEmbeddings = (0..<configuration.ipVectors * d).map { _ in Float(random.normal() * ipDeviation) }
        let limit = (6 / Double(2 * d)).squareRoot()
        layerWeights = (0..<configuration.encoderLayers).map { _ in
            (0..<d * d).map { _ in Float(random.uniform(in: -limit..<limit)) }
        }
        layerBiases = (0..<configuration.encoderLayers).map { _ in [Float](repeating: 0, count: d) }
        entityFilter = EntityFilter(entityVectors: configuration.entityVectors)
    }

    /// The default fraud threshold: scores below it are flagged (nil without calibration).
    public var threshold: Double? { calibration?.threshold(falsePositiveRate: falsePositiveRate) }

    public func entityRow(_ key: EntityKey) -> Int32 { key.row(of: configuration.entityVectors) }

    public func entityEmbedding(_ key: EntityKey) -> [Float] {
        let d = configuration.vectorDimension
        let start = Int(entityRow(key)) * d
        return Array(entityEmbeddings[start..<start + d])
    }

    /// The encoded address, computed step by step (the reference for the fast paths).
    public func ipEmbedding(_ address: IPAddress) -> [Float] {
        let d = configuration.vectorDimension
        var vector = [Float](repeating: 0, count: d)
        for row in buckets.rows(of: address) {
            for index in 0..<d { vector[index] += ipEmbeddings[Int(row) * d + index] }
        }
        for layer in 0..<configuration.encoderLayers {
            var next = layerBiases[layer]
            for output in 0..<d {
                var sum: Float = 0
                for input in 0..<d { sum += layerWeights[layer][output * d + input] * vector[input] }
                next[output] += sum
            }
            if layer < configuration.encoderLayers - 1 { next = next.map { max($0, 0) } }
            vector = next
        }
        return vector
    }

    /// The dot product of the entity's and the address's vectors (step by step).
    public func score(entity: EntityKey, address: IPAddress) -> Float {
        zip(entityEmbedding(entity), ipEmbedding(address)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    public func wasTrained(on entity: EntityKey) -> Bool { entityFilter.contains(entity) }

    /// Whether every weight is finite (a diverged training run is not served).
    public var hasFiniteValues: Bool {
        entityEmbeddings.allSatisfy(\.isFinite) && ipEmbeddings.allSatisfy(\.isFinite)
            && layerWeights.allSatisfy { $0.allSatisfy(\.isFinite) } && layerBiases.allSatisfy { $0.allSatisfy(\.isFinite) }
    }
}

extension IPInsightsModel {
    static let magic = Array("WEIRIPI1".utf8)

    /// The model as bytes: configuration, tables, layers, entity filter and calibration.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: (entityEmbeddings.count + ipEmbeddings.count) * 4 + 4096)
        writer.append(raw: Self.magic)
        writer.write(UInt32(1))
        writer.write(UInt32(configuration.vectorDimension))
        writer.write(UInt32(configuration.entityVectors))
        writer.write(UInt32(configuration.ipVectors))
        writer.write(UInt32(configuration.encoderLayers))
        writer.write(floats: entityEmbeddings)
        writer.write(floats: ipEmbeddings)
        for layer in 0..<configuration.encoderLayers {
            writer.write(floats: layerWeights[layer])
            writer.write(floats: layerBiases[layer])
        }
        writer.write(array: entityFilter.words)
        writer.write(UInt64(entityFilter.insertedCount))
        writer.write(falsePositiveRate)
        if let calibration {
            writer.write(UInt8(1))
            writer.write(doubles: calibration.quantiles)
            writer.write(UInt64(calibration.sampleCount))
        } else {
            writer.write(UInt8(0))
        }
        return writer.bytes
    }

    /// Reads `encoded()` bytes; errors name `name` and the byte offset.
    public init(encoded bytes: [UInt8], name: String) throws(BinaryReader.Failure) {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: 8) == Self.magic else {
            throw reader.error("not an IP Insights model (expected the WEIRIPI1 header)")
        }
        let version = try reader.read(UInt32.self)
        guard version == 1 else { throw reader.error("model format version \(version) is newer than this weir reads (1)") }
        let d = Int(try reader.read(UInt32.self))
        let entityVectors = Int(try reader.read(UInt32.self))
        let ipVectors = Int(try reader.read(UInt32.self))
        let layers = Int(try reader.read(UInt32.self))
        guard (1...4096).contains(d), entityVectors >= 1, ipVectors >= 1, layers <= 100 else {
            throw reader.error("implausible configuration: vector_dim \(d), \(entityVectors) entity vectors, \(ipVectors) IP vectors, \(layers) layers")
        }
        configuration = Configuration(vectorDimension: d, entityVectors: entityVectors, ipVectors: ipVectors, encoderLayers: layers)
        entityEmbeddings = try reader.readFloats()
        ipEmbeddings = try reader.readFloats()
        guard entityEmbeddings.count == entityVectors * d, ipEmbeddings.count == ipVectors * d else {
            throw reader.error("embedding tables do not match the configuration")
        }
        layerWeights = []
        layerBiases = []
        for _ in 0..<layers {
            let weights = try reader.readFloats()
            let biases = try reader.readFloats()
            guard weights.count == d * d, biases.count == d else { throw reader.error("an encoder layer does not match vector_dim \(d)") }
            layerWeights.append(weights)
            layerBiases.append(biases)
        }
        let words = try reader.readArray(of: UInt64.self)
        guard words.count == EntityFilter(entityVectors: entityVectors).words.count else {
            throw reader.error("the entity filter does not match \(entityVectors) entity vectors")
        }
        entityFilter = EntityFilter(words: words, insertedCount: try reader.readCount(maximum: Int(Int64.max), "entity filter count"))
        falsePositiveRate = try reader.readDouble()
        switch try reader.read(UInt8.self) {
        case 0: calibration = nil
        case 1:
            let quantiles = try reader.readDoubles()
            guard quantiles.count == ScoreCalibration.probabilities.count else { throw reader.error("calibration has \(quantiles.count) quantiles") }
            calibration = ScoreCalibration(quantiles: quantiles, sampleCount: try reader.readCount(maximum: Int(Int64.max), "calibration sample count"))
        default: throw reader.error("bad calibration flag")
        }
        try reader.expectEnd()
    }
}

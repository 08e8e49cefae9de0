import Foundation
import WeirCore

/// The envelope every model snapshot travels in, whatever its algorithm: what it is (magic,
/// format version, algorithm, model name and version), what it expects (a hash of its
/// feature schema), where it came from (hyperparameters, training-data fingerprint,
/// training job, metrics, creation time), and the algorithm's own bytes, all under one
/// CRC-32. Decoding checks everything before a model can be seen; there is no partially
/// loaded model.
public struct SnapshotEnvelope: Sendable, Equatable {
    public static let magic = Array("WEIRSNAP".utf8)
    public static let formatVersion: UInt16 = 1

    public var algorithm: String
    public var modelName: String
    /// Assigned by the registry when published (0 before).
    public var modelVersion: Int
    /// A hash of the ordered feature names the model expects (see `schemaHash(of:)`).
    public var featureSchemaHash: String
    public var hyperparameters: [String: String]
    public var dataFingerprint: String
    public var trainingJob: String
    public var metrics: [String: Double]
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64
    public var payload: [UInt8]

    public init(algorithm: String, modelName: String, modelVersion: Int = 0, featureSchemaHash: String,
                hyperparameters: [String: String] = [:], dataFingerprint: String = "", trainingJob: String = "",
                metrics: [String: Double] = [:], createdAt: Int64 = Int64(Date().timeIntervalSince1970 * 1000), payload: [UInt8]) {
        self.algorithm = algorithm
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.featureSchemaHash = featureSchemaHash
        self.hyperparameters = hyperparameters
        self.dataFingerprint = dataFingerprint
        self.trainingJob = trainingJob
        self.metrics = metrics
        self.createdAt = createdAt
        self.payload = payload
    }

    /// The schema hash of an ordered list of feature names (FNV-1a 64 of the names joined
    /// by a NUL, in hex): two models agree on their input when their hashes match.
    public static func schemaHash(of features: [String]) -> String {
        var hasher = FNV1a()
        hasher.add(features.joined(separator: "\u{0}").utf8)
        return hasher.hex
    }

    /// A fingerprint of training data: FNV-1a 64 over the bytes of the given files, in order.
    public static func fingerprint(files: [String]) throws -> String {
        guard !files.isEmpty else { return "" } // no data known (a published file, a Pipe-mode job)
        var hasher = FNV1a()
        for file in files {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw SnapshotError(input: file, "cannot read the training data to fingerprint it")
            }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.add(chunk)
            }
        }
        return hasher.hex
    }

    public func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: payload.count + 1024)
        writer.append(raw: Self.magic)
        writer.write(Self.formatVersion)
        writer.write(string: algorithm)
        writer.write(string: modelName)
        writer.write(Int64(modelVersion))
        writer.write(string: featureSchemaHash)
        writer.write(UInt32(hyperparameters.count))
        for key in hyperparameters.keys.sorted() {
            writer.write(string: key)
            writer.write(string: hyperparameters[key]!)
        }
        writer.write(string: dataFingerprint)
        writer.write(string: trainingJob)
        writer.write(UInt32(metrics.count))
        for key in metrics.keys.sorted() {
            writer.write(string: key)
            writer.write(metrics[key]!)
        }
        writer.write(createdAt)
        writer.write(bytes: payload)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// Decodes and checks an envelope; `name` labels errors (a file or registry entry).
    public init(encoded bytes: [UInt8], name: String) throws(SnapshotError) {
        do {
            var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir model snapshot")
            let version: UInt16 = try reader.read()
            guard version == Self.formatVersion else {
                throw reader.error("unknown snapshot format version \(version); this build reads version \(Self.formatVersion)")
            }
            algorithm = try reader.readString()
            modelName = try reader.readString()
            modelVersion = Int(try reader.read(Int64.self))
            featureSchemaHash = try reader.readString()
            var hyperparameters: [String: String] = [:]
            for _ in 0..<(try reader.read(UInt32.self)) { hyperparameters[try reader.readString()] = try reader.readString() }
            self.hyperparameters = hyperparameters
            dataFingerprint = try reader.readString()
            trainingJob = try reader.readString()
            var metrics: [String: Double] = [:]
            for _ in 0..<(try reader.read(UInt32.self)) { metrics[try reader.readString()] = try reader.readDouble() }
            self.metrics = metrics
            createdAt = try reader.read()
            payload = try reader.readBytes()
            try reader.expectEnd()
        } catch {
            throw SnapshotError(input: name, "\(error)")
        }
    }
}

/// Why a snapshot or registry operation was refused: names the snapshot or model.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public var input: String
    public var reason: String

    public init(input: String, _ reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String { reason.contains(input) ? reason : "\(input): \(reason)" }
}

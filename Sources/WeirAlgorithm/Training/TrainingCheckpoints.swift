import Foundation
import WeirCore
import WeirFormats

/// A training job's checkpoint: one file per algorithm in the checkpoint directory
/// (`<algorithm>.checkpoint`), replaced atomically after each epoch. It holds magic,
/// format version, the algorithm, the job's hyperparameters (every value but the epoch
/// count, defaults included), the epochs completed, the algorithm's state, and a CRC-32.
/// A checkpoint from other hyperparameters is refused with the first difference named,
/// so a job never continues someone else's training by accident.
public struct TrainingCheckpoints: Sendable {
    public let directory: String
    public let algorithm: String
    /// `name=value` of every hyperparameter but the epoch count, sorted.
    public let settings: [String]
    public var file: String { directory + "/" + algorithm + ".checkpoint" }
    static let magic = Array("WCKP".utf8)

    public init(directory: String, algorithm: String, hyperparameters: Hyperparameters, epochsHyperparameter: String) {
        self.directory = directory
        self.algorithm = algorithm
        settings = hyperparameters.values.filter { $0.key != epochsHyperparameter }.map { "\($0.key)=\(Self.text($0.value))" }.sorted()
    }

    static func text(_ value: HyperparameterValue) -> String {
        switch value {
        case .integer(let number): return String(number)
        case .real(let number): return NumberText.format(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .text(let text): return text
        case .realList(let numbers): return "[" + numbers.map(NumberText.format).joined(separator: ",") + "]"
        case .auto: return "auto"
        }
    }

    /// The saved state and the epochs it completed; nil when there is no checkpoint yet.
    public func latest() throws -> (completedEpochs: Int, state: [UInt8])? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        var reader = try BinaryReader.checkedBody([UInt8](data), magic: Self.magic, name: file, what: "Weir training checkpoint")
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown checkpoint version \(version); expected 1") }
        let owner = try reader.readString()
        guard owner == algorithm else { throw reader.error("a \(owner) checkpoint, not \(algorithm)") }
        let count: UInt32 = try reader.read()
        guard Int(count) <= reader.remaining / 4 else { throw reader.error("truncated: \(count) hyperparameters announced") }
        var saved: [String] = []
        for _ in 0..<Int(count) { saved.append(try reader.readString()) }
        if saved != settings {
            func byName(_ lines: [String]) -> [String: String] {
                Dictionary(lines.map { (String($0.prefix { $0 != "=" }), $0) }, uniquingKeysWith: { first, _ in first })
            }
            let ours = byName(settings), theirs = byName(saved)
            let name = Set(ours.keys).union(theirs.keys).sorted().first { ours[$0] != theirs[$0] } ?? ""
            throw TrainingJobError(message: "\(file) was written by a job with other hyperparameters: this job has \(ours[name] ?? "no \(name)"), "
                + "the checkpoint \(theirs[name] ?? "no \(name)"); resume with the same hyperparameters (only the epoch count may change) "
                + "or use another checkpoint directory")
        }
        let epochs: Int64 = try reader.read()
        guard epochs >= 0, let completed = Int(exactly: epochs) else { throw reader.error("\(epochs) completed epochs") }
        let length: UInt64 = try reader.read()
        guard length <= UInt64(reader.remaining), let byteCount = Int(exactly: length) else {
            throw reader.error("truncated: a state of \(length) bytes announced, \(reader.remaining) left")
        }
        let state = try reader.readBytes(count: byteCount)
        try reader.expectEnd()
        return (completed, state)
    }

    /// Writes the checkpoint whole to a temporary name and renames it over the last one.
    public func save(completedEpochs: Int, state: [UInt8]) throws {
        var writer = BinaryWriter(capacity: state.count + 4096)
        writer.append(raw: Self.magic)
        writer.write(UInt8(1))
        writer.write(string: algorithm)
        writer.write(UInt32(settings.count))
        for setting in settings { writer.write(string: setting) }
        writer.write(Int64(completedEpochs))
        writer.write(UInt64(state.count))
        writer.append(raw: state)
        writer.write(CRC32.checksum(writer.bytes))
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FormatError(input: directory, .none, "cannot create the checkpoint folder: \(error.localizedDescription)")
        }
        let temporary = directory + "/." + algorithm + ".checkpoint.partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(writer.bytes)), rename(temporary, file) == 0 else {
            throw FormatError(input: file, .none, "cannot write the checkpoint")
        }
    }
}

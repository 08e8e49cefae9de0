import Foundation
import WeirCore
import WeirFormats

/// Why a training job could not start: an unknown algorithm or missing channels.
public struct TrainingJobError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Runs `weir train`: checks channels and hyperparameters, trains, writes the model folder
/// (the snapshot under the algorithm's file name, `model.json`, extra files), and on
/// failure writes the reason where SageMaker looks for it (first 1,024 characters).
public enum TrainingRunner {
    /// Trains `algorithmName` from `catalog` as `spec` describes; rethrows after recording
    /// a failure. Returns the snapshot bytes. `log` hears about ignored hyperparameters.
    @discardableResult
    public static func run(_ algorithmName: String, catalog: AlgorithmCatalog, spec: TrainingJobSpec, metrics: MetricsReporter? = nil,
                           log: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws -> [UInt8] {
        do {
            let entry = try catalog.entry(named: algorithmName)
            let missing = Set(entry.info.requiredChannels).subtracting(spec.channels.keys)
            guard missing.isEmpty else {
                throw TrainingJobError(message: "\(entry.name) needs the channel(s) \(missing.sorted().joined(separator: ", ")); given: \(spec.channels.keys.sorted().joined(separator: ", "))")
            }
            let unknown = Set(spec.channels.keys).subtracting(entry.info.requiredChannels).subtracting(entry.info.optionalChannels)
            guard unknown.isEmpty else {
                throw TrainingJobError(message: "\(entry.name) does not use the channel(s) \(unknown.sorted().joined(separator: ", "))")
            }
            let ignored = try entry.checkHyperparameters(spec.hyperparameters)
            if !ignored.isEmpty {
                log("ignoring hyperparameters SageMaker adds for its own use: \(ignored.joined(separator: ", "))")
            }
            var context = TrainingContext(channels: spec.channels, metrics: metrics ?? MetricsReporter(host: spec.currentHost),
                                          hostIndex: spec.hostIndex, hostCount: spec.hosts.count)
            context.log = log
            if let directory = spec.checkpointDirectory {
                context.checkpoints = try entry.checkpoints(directory: directory, hyperparameters: spec.hyperparameters)
                if context.checkpoints == nil { log("\(entry.name) does not resume from checkpoints; training from the start") }
            }
            let trained = try entry.train(hyperparameters: spec.hyperparameters, context: context)
            try writeModelFolder(spec.modelDirectory, entry: entry, snapshot: trained.snapshot, metadata: trained.metadata,
                                 extraFiles: trained.extraFiles)
            return trained.snapshot
        } catch {
            if let failurePath = spec.failurePath {
                let folder = (failurePath as NSString).deletingLastPathComponent
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: failurePath, contents: Data(String("\(error)".prefix(1024)).utf8))
            }
            throw error
        }
    }

    /// The snapshot, `model.json` (`algorithm` first, then the algorithm's metadata) and
    /// extra files, each written whole to a temporary name and renamed into place.
    static func writeModelFolder(_ directory: String, entry: CatalogEntry, snapshot: [UInt8], metadata: [(String, JSONValue)],
                                 extraFiles: [(name: String, bytes: [UInt8])]) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FormatError(input: directory, .none, "cannot create the model folder: \(error.localizedDescription)")
        }
        let json = JSONObject([("algorithm", .string(entry.name))] + metadata.filter { $0.0 != "algorithm" })
        let files = [(entry.info.modelFile, snapshot), ("model.json", JSONWriter.bytes(of: .object(json)) + [0x0A])] + extraFiles.map { ($0.name, $0.bytes) }
        for (name, bytes) in files {
            let path = directory + "/" + name
            let temporary = directory + "/." + name + ".partial"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)), rename(temporary, path) == 0 else {
                throw FormatError(input: path, .none, "cannot write the model file")
            }
        }
    }
}

import Foundation
import WeirCore
import WeirFormats

/// The algorithms a build knows, looked up by SageMaker name or alias. The one list of
/// them lives in WeirCatalog; everything that needs an algorithm (training, inference,
/// the registry's checks, the stream) is handed this value and looks it up here.
public struct AlgorithmCatalog: Sendable, Equatable {
    public let entries: [CatalogEntry]

    public init(_ entries: [CatalogEntry]) {
        self.entries = entries
    }

    public var names: [String] { entries.map(\.name) }

    /// Two catalogues are the same when they list the same algorithms.
    public static func == (lhs: AlgorithmCatalog, rhs: AlgorithmCatalog) -> Bool { lhs.names == rhs.names }

    public func entry(named name: String) throws(TrainingJobError) -> CatalogEntry {
        guard let found = entries.first(where: { $0.info.answers(to: name) }) else {
            throw TrainingJobError(message: "unknown algorithm '\(name)'; available: \(names.joined(separator: ", "))")
        }
        return found
    }

    /// The algorithm of a model folder: the one its `model.json` names, or, in a folder
    /// without one (a SageMaker model extracted from `model.tar.gz`), the one algorithm
    /// whose model file it holds (`xgboost-model`).
    public func entry(ofModelDirectory modelDirectory: String) throws -> CatalogEntry {
        let path = modelDirectory + "/model.json"
        if !FileManager.default.fileExists(atPath: path) {
            let holding = entries.filter { FileManager.default.fileExists(atPath: modelDirectory + "/" + $0.info.modelFile) }
            if holding.count == 1 { return holding[0] }
        }
        guard let metadata = try TrainingJobSpec.jsonObject(path, required: true),
              case .string(let algorithm)? = metadata["algorithm"] else {
            throw FormatError(input: path, .none, field: "algorithm", "missing: not a model folder written by weir train")
        }
        do { return try self.entry(named: algorithm) } catch {
            throw FormatError(input: path, .none, field: "algorithm", "'\(algorithm)' is not in this build's catalogue (\(names.joined(separator: ", ")))")
        }
    }

    /// The predictor of a model folder (see `entry(ofModelDirectory:)`).
    public func predictor(modelDirectory: String) throws -> any BatchPredictor {
        let entry = try entry(ofModelDirectory: modelDirectory)
        let file = modelDirectory + "/" + entry.info.modelFile
        guard let data = FileManager.default.contents(atPath: file) else {
            throw FormatError(input: file, .none, "missing: the model folder has no \(entry.info.modelFile)")
        }
        return try entry.predictor(snapshot: Array(data), name: file)
    }
}

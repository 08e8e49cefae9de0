import Foundation
import Logging
import WeirCore

/// Follows a model file written by `weir train`: loads it at open, and between records
/// (at most every `intervalMs`) loads it again when its modification time or size
/// changed. A file that fails to load leaves the current model serving (logged once per
/// change of the file).
final class FileModelSource<Model> {
    let path: String
    /// The path as the topology gave it, and the file a model folder holds.
    private let given: String
    private let fileName: String
    let intervalMs: Int
    private let decode: ([UInt8], String) throws -> Model
    private let logger = Logger(label: "weir.model-file")
    private var stamp: (Date, Int)?
    private var nextCheck = ContinuousClock.now
    private(set) var model: Model?
    private(set) var version = ""

    /// `path` is the model file, or a model folder holding `fileName`.
    init(path: String, fileName: String, intervalMs: Int, decode: @escaping ([UInt8], String) throws -> Model) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            self.path = (path as NSString).appendingPathComponent(fileName)
        } else {
            self.path = path
        }
        given = path
        self.fileName = fileName
        self.intervalMs = intervalMs
        self.decode = decode
    }

    /// Why the model file cannot be read, in the user's terms: nothing at the path, or a
    /// folder without this algorithm's file (a folder of another algorithm says which).
    private func missing() -> FileModelError {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: given, isDirectory: &isDirectory) else {
            return FileModelError(path: given, "no model folder or file here (expected a `weir train` folder holding \(fileName), or the file itself)")
        }
        guard isDirectory.boolValue else { return FileModelError(path: given, "cannot read the model file") }
        let metadata = (given as NSString).appendingPathComponent("model.json")
        if let data = FileManager.default.contents(atPath: metadata), case .object(let object)? = try? JSONParser.parse(Array(data)),
           case .string(let algorithm)? = object["algorithm"] {
            return FileModelError(path: given, "the folder holds a \(algorithm) model (model.json), not the \(fileName) this operator serves")
        }
        return FileModelError(path: given, "the folder holds no \(fileName) (is it a `weir train` model folder of this algorithm?)")
    }

    private func currentStamp() throws -> (Date, Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return ((attributes[.modificationDate] as? Date) ?? .distantPast, (attributes[.size] as? Int) ?? 0)
    }

    /// Loads the file now; throws when it cannot be read or decoded.
    func load() throws {
        guard let newStamp = try? currentStamp() else { throw missing() }
        stamp = newStamp
        guard let data = FileManager.default.contents(atPath: path) else { throw missing() }
        model = try decode(Array(data), path)
        version = "\(path)@\(Int(newStamp.0.timeIntervalSince1970))"
    }

    /// True when a changed file was loaded and now serves.
    func poll() -> Bool {
        let now = ContinuousClock.now
        guard now >= nextCheck else { return false }
        nextCheck = now + .milliseconds(intervalMs)
        guard let newStamp = try? currentStamp(), let old = stamp, newStamp.0 != old.0 || newStamp.1 != old.1 else { return false }
        do {
            try load()
            logger.info("serving a new model file", metadata: ["model": "\(version)"])
            return true
        } catch {
            stamp = newStamp // not retried until the file changes again
            logger.error("refused a new model file; the current model keeps serving", metadata: ["file": "\(path)", "reason": "\(error)"])
            return false
        }
    }
}

/// A model file or folder a topology names that cannot be read.
struct FileModelError: Error, CustomStringConvertible {
    let path: String
    let reason: String

    init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    var description: String { "\(path): \(reason)" }
}

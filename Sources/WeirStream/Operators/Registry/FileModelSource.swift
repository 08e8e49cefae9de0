import Foundation
import Logging

/// Follows a model file written by `weir train`: loads it at open, and between records
/// (at most every `intervalMs`) loads it again when its modification time or size
/// changed. A file that fails to load leaves the current model serving (logged once per
/// change of the file).
final class FileModelSource<Model> {
    let path: String
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
        self.intervalMs = intervalMs
        self.decode = decode
    }

    private func currentStamp() throws -> (Date, Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return ((attributes[.modificationDate] as? Date) ?? .distantPast, (attributes[.size] as? Int) ?? 0)
    }

    /// Loads the file now; throws when it cannot be read or decoded.
    func load() throws {
        let newStamp = try currentStamp()
        stamp = newStamp
        guard let data = FileManager.default.contents(atPath: path) else { throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path]) }
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

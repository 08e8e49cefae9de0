import WeirRegistry

/// An operator's model and where it comes from: a model folder or file (reloaded when it
/// changes) or a registry version (hot reload, guardrail rollbacks). `current()` answers
/// which model serves now, checking for a new one when due; a model that fails to load
/// leaves the current one serving.
final class ModelSubscription<Model> {
    private var fileSource: FileModelSource<Model>?
    private var registrySource: RegistryModelSource<Model>?
    private var served: (model: Model, version: String)?

    /// Loads the model now (a file) or asks the registry (which may serve none yet).
    /// `decodeFile` reads a snapshot file; `decodeEnvelope` a registry snapshot.
    init(_ source: ServedModelSource, fileName: String, reloadIntervalMs: Int,
         decodeFile: @escaping ([UInt8], String) throws -> Model,
         decodeEnvelope: @escaping (SnapshotEnvelope, String) throws -> Model) throws {
        switch source {
        case .file(let path):
            let file = FileModelSource(path: path, fileName: fileName, intervalMs: reloadIntervalMs, decode: decodeFile)
            try file.load()
            fileSource = file
            if let model = file.model { served = (model, file.version) }
        case .registry(let reference):
            let registry = try RegistryModelSource(reference, features: nil, decode: decodeEnvelope)
            registrySource = registry
            if registry.check(), let current = registry.served { served = (current.model, current.label) }
        }
    }

    /// The model serving now and its version (`name:vN` or `path@mtime`); true in
    /// `changed` when it differs from the one the last call returned.
    func current() -> (model: Model, version: String, changed: Bool)? {
        var changed = false
        if let registry = registrySource {
            // A guardrail rollback changes what the source serves without a poll reporting it.
            _ = registry.poll()
            if let now = registry.served, now.label != served?.version {
                served = (now.model, now.label)
                changed = true
            }
        } else if let file = fileSource, file.poll(), let model = file.model {
            served = (model, file.version)
            changed = true
        }
        return served.map { ($0.model, $0.version, changed) }
    }

    /// Counts one record against a baking registry version.
    func observe(anomaly: Bool, nanoseconds: UInt64) {
        registrySource?.observe(anomaly: anomaly, nanoseconds: nanoseconds)
    }

    var rejections: Int { registrySource?.rejections ?? 0 }
    var rollbacks: Int { registrySource?.rollbacks ?? 0 }
}

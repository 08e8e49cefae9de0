import WeirRegistry

/// An operator's model and where it comes from: a model folder or file (reloaded when it
/// changes), a registry version (hot reload, guardrail rollbacks), or none. `served` is
/// the model serving now (the fallback while the source has served none), `refresh()`
/// checks for a new one when due; a model that fails to load leaves the current one
/// serving.
final class ModelSubscription<Model> {
    private var fileSource: FileModelSource<Model>?
    private var registrySource: RegistryModelSource<Model>?
    /// A model, its version (`name:vN` or `path@mtime`), and the label outputs carry (the
    /// version, or the topology's `model_version` for a file). A class, so that code which
    /// is not specialised passes it around without looking up type metadata per record.
    final class Served {
        let model: Model
        let version: String
        let label: String

        init(_ model: Model, version: String, label: String? = nil) {
            self.model = model
            self.version = version
            self.label = label ?? version
        }
    }

    /// The model serving now; nil until one loads (when there is no fallback).
    private(set) var served: Served?
    private let fileLabel: String?
    /// The reload policy of a registry source (`replace` for files).
    let policy: RegistryModelReference.ReloadPolicy
    /// The registry model's name, when the source is the registry.
    let registryName: String?
    private let intervalMs: Int
    private var nextCheck = ContinuousClock.now
    /// Set when a guardrail rollback changed the registry's version: the next record checks.
    private var rolledBack = false

    /// Loads the model now (a file) or asks the registry (which may serve none yet).
    /// `decodeFile` reads a snapshot file; `decodeEnvelope` a registry snapshot.
    /// `fallback` serves while the source serves nothing (or always, without a source).
    /// `fileLabel` labels a file's outputs instead of its `path@mtime`.
    init(_ source: ServedModelSource?, fallback: Served? = nil, fileLabel: String? = nil, fileName: String, reloadIntervalMs: Int,
         decodeFile: @escaping ([UInt8], String) throws -> Model,
         decodeEnvelope: @escaping (SnapshotEnvelope, String) throws -> Model) throws {
        served = fallback
        self.fileLabel = fileLabel
        switch source {
        case .file?, nil:
            intervalMs = reloadIntervalMs
            policy = .replace
            registryName = nil
        case .registry(let reference)?:
            intervalMs = reference.reloadIntervalMs
            policy = reference.policy
            registryName = reference.name
        }
        switch source {
        case nil: break
        case .file(let path)?:
            let file = FileModelSource(path: path, fileName: fileName, intervalMs: reloadIntervalMs, decode: decodeFile)
            try file.load()
            fileSource = file
            if let loaded = file.model { served = Served(loaded, version: file.version, label: fileLabel) }
        case .registry(let reference)?:
            let registry = try RegistryModelSource(reference, features: nil, decode: decodeEnvelope)
            registrySource = registry
            if registry.check(), let current = registry.served { served = Served(current.model, version: current.label) }
            // At start there is nothing to keep serving: a version that cannot serve here stops the start.
            if registry.served == nil, let refusal = registry.lastRefusal {
                throw ModelRefusedError(model: refusal.label, stage: reference.stage.rawValue, registry: reference.directory, reason: refusal.reason)
            }
        }
    }

    /// Checks for a new model when due; true when `served` changed. Between checks it
    /// costs one clock read (it runs once per record).
    func refresh() -> Bool {
        guard registrySource != nil || fileSource != nil else { return false }
        if intervalMs > 0 && !rolledBack {
            let now = ContinuousClock.now
            guard now >= nextCheck else { return false }
            nextCheck = now + .milliseconds(intervalMs)
        }
        rolledBack = false
        if let registry = registrySource {
            // A guardrail rollback changes what the source serves without a poll reporting it.
            _ = registry.poll()
            guard let current = registry.served, current.label != served?.version else { return false }
            served = Served(current.model, version: current.label)
            return true
        }
        guard let file = fileSource, file.poll(), let loaded = file.model else { return false }
        served = Served(loaded, version: file.version, label: fileLabel)
        return true
    }

    /// Counts one record against a baking registry version.
    func observe(anomaly: Bool, nanoseconds: UInt64) {
        guard let registry = registrySource else { return }
        let before = registry.rollbacks
        registry.observe(anomaly: anomaly, nanoseconds: nanoseconds)
        if registry.rollbacks != before { rolledBack = true }
    }

    var rejections: Int { registrySource?.rejections ?? 0 }
    var rollbacks: Int { registrySource?.rollbacks ?? 0 }
}

/// A registry version that cannot serve an operator when the stream starts (another
/// algorithm, other features, a shape the settings contradict).
struct ModelRefusedError: Error, CustomStringConvertible {
    let model: String
    let stage: String
    let registry: String
    let reason: String

    var description: String { "model \(model) (stage \(stage) of registry \(registry)) cannot serve this operator: \(reason)" }
}

import WeirAlgorithm
import WeirCore

extension TopologyLoader {
    /// Keys every online operator takes, whatever its algorithm.
    static let onlineOperatorKeys = ["model", "shadow", "reload_interval_ms", "max_resident_keys", "state_dir", "snapshot_interval_ms",
                                     "model_version"]

    /// The online operator of a catalogue algorithm: the common keys here, the algorithm's
    /// own read and checked by the algorithm (an error is reported at its key's line).
    /// `schemaFeatures` are the topology schema's, for algorithms that read them.
    static func parseOnline(_ body: YAMLCursor, kind: String, entry: CatalogEntry, streamable: StreamableEntry,
                            schemaFeatures: [String] = []) throws(TopologyError) -> OnlineOperatorSpec {
        let aliases = streamable.settingAliases
        try body.allowOnly(onlineOperatorKeys + aliases.keys.sorted() + streamable.settingKeys)
        var spec = OnlineOperatorSpec(operatorName: kind, algorithm: entry.name, model: try body.optional("model").map { cursor throws(TopologyError) in try parseServedModel(cursor) })
        if let shadow = try body.optional("shadow") {
            guard case .mapping = shadow.node else { throw shadow.error("expected {registry, name, stage, reload_interval_ms}") }
            var reference = try parseRegistryModel(shadow, defaultStage: .shadow)
            reference.policy = .replace
            spec.shadow = reference
        }
        func common(_ key: String) throws(TopologyError) -> YAMLCursor? {
            if let value = try body.optional(key) { return value }
            for (alias, target) in aliases where target == key {
                if let value = try body.optional(alias) { return value }
            }
            return nil
        }
        if let value = try common("reload_interval_ms") {
            spec.reloadIntervalMs = try value.int()
            guard spec.reloadIntervalMs >= 0 else { throw value.error("expected 0 or more milliseconds") }
        }
        if let value = try common("max_resident_keys") {
            spec.maxResidentKeys = try value.int()
            guard spec.maxResidentKeys > 0 else { throw value.error("expected a positive number of keys") }
        }
        if let value = try common("snapshot_interval_ms") {
            spec.snapshotIntervalMs = try value.int()
            guard spec.snapshotIntervalMs > 0 else { throw value.error("expected a positive number of milliseconds") }
        }
        spec.stateDirectory = try common("state_dir")?.filePath()
        spec.modelVersion = try common("model_version")?.string()
        var settings = JSONObject()
        for key in streamable.settingKeys {
            if let value = body.entry(key) { settings.set(key, try value.jsonValue()) }
        }
        spec.settings = OperatorConfig(settings, schemaFeatures: schemaFeatures)
        let runsWithoutModel: Bool
        do {
            runsWithoutModel = try streamable.check(spec.settings)
        } catch {
            let cursor = body.entry(error.key) ?? body
            throw cursor.error(error.message)
        }
        if spec.model == nil && !runsWithoutModel { throw body.error("expected 'model' (a model folder, file or registry model)") }
        return spec
    }
}

import WeirRegistry

extension TopologyLoader {
    /// `model: PATH` (a model folder or file) or a registry reference.
    static func parseServedModel(_ cursor: YAMLCursor) throws(TopologyError) -> ServedModelSource {
        if case .scalar = cursor.node { return .file(try cursor.filePath()) }
        return .registry(try parseRegistryModel(cursor))
    }

    /// `model: {registry: DIR, name: NAME, stage: production, reload_interval_ms: 1000, on_reload: replace}`.
    static func parseRegistryModel(_ cursor: YAMLCursor, defaultStage: ModelRegistry.Stage = .production) throws(TopologyError)
        -> RegistryModelReference {
        try cursor.allowOnly(["registry", "name", "stage", "reload_interval_ms", "on_reload", "baking"])
        // Without `registry`, the one `weir train --publish` and `weir models` use by default.
        var reference = RegistryModelReference(directory: try cursor.optional("registry")?.filePath() ?? ModelRegistry.defaultDirectory,
                                               name: try cursor.required("name").string())
        reference.stage = defaultStage
        if let value = try cursor.optional("stage") { reference.stage = try choice(value, ModelRegistry.Stage.self) }
        if let value = try cursor.optional("reload_interval_ms") {
            reference.reloadIntervalMs = try value.int()
            if reference.reloadIntervalMs < 0 { throw value.error("expected 0 or more milliseconds") }
        }
        if let value = try cursor.optional("on_reload") { reference.policy = try choice(value, RegistryModelReference.ReloadPolicy.self) }
        if let body = try cursor.optional("baking") {
            try body.allowOnly(["duration_ms", "max_anomaly_rate", "min_records", "max_mean_latency_ms"])
            var baking = RegistryModelReference.Baking()
            if let value = try body.optional("duration_ms") { baking.durationMs = try positive(value) }
            if let value = try body.optional("min_records") { baking.minRecords = try positive(value) }
            if let value = try body.optional("max_mean_latency_ms") { baking.maxMeanLatencyMs = try value.double() }
            if let value = try body.optional("max_anomaly_rate") {
                baking.maxAnomalyRate = try value.double()
                guard baking.maxAnomalyRate >= 0 && baking.maxAnomalyRate <= 1 else { throw value.error("expected a rate in [0, 1]") }
            }
            reference.baking = baking
        }
        return reference
    }

    private static func positive(_ cursor: YAMLCursor) throws(TopologyError) -> Int {
        let value = try cursor.int()
        guard value > 0 else { throw cursor.error("expected a positive integer, found \(value)") }
        return value
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ cursor: YAMLCursor, _: T.Type) throws(TopologyError) -> T
        where T.RawValue == String {
        let text = try cursor.string()
        guard let value = T(rawValue: text) else {
            throw cursor.error("expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'")
        }
        return value
    }
}

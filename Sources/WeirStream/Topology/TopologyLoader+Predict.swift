extension TopologyLoader {
    /// A `predict` operator: `model` is a model folder (or a snapshot file with
    /// `algorithm`) or a registry reference; `features` name the request's fields.
    static func parsePredict(_ body: YAMLCursor) throws(TopologyError) -> PredictOperatorSpec {
        try body.allowOnly(["model", "algorithm", "features", "output_prefix", "reload_interval_ms"])
        var spec = PredictOperatorSpec(model: try parseServedModel(try body.required("model")))
        spec.algorithm = try body.optional("algorithm")?.string()
        if let value = try body.optional("features") { spec.features = try value.strings() }
        if let value = try body.optional("output_prefix") { spec.outputPrefix = try value.string() }
        if let value = try body.optional("reload_interval_ms") {
            spec.reloadIntervalMs = try value.int()
            guard spec.reloadIntervalMs >= 0 else { throw value.error("expected 0 or more milliseconds") }
        }
        return spec
    }
}

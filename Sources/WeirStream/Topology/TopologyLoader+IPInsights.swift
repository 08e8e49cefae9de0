extension TopologyLoader {
    /// An `ip_insights` operator: `model` is a model folder (or file) or a registry
    /// reference; the rest as `IPInsightsOperatorSpec` names them.
    static func parseIPInsights(_ body: YAMLCursor) throws(TopologyError) -> IPInsightsOperatorSpec {
        try body.allowOnly(["model", "entity_field", "ip_field", "false_positive_rate", "threshold", "unseen_entity",
                            "alert_variant", "reload_interval_ms"])
        var spec = IPInsightsOperatorSpec(model: try parseServedModel(try body.required("model")))
        if let value = try body.optional("entity_field") { spec.entityField = try value.string() }
        if let value = try body.optional("ip_field") { spec.ipField = try value.string() }
        if let value = try body.optional("false_positive_rate") {
            let rate = try value.double()
            guard rate > 0 && rate < 1 else { throw value.error("expected a rate between 0 and 1, found \(rate)") }
            spec.falsePositiveRate = rate
        }
        if let value = try body.optional("threshold") { spec.threshold = try value.double() }
        if let value = try body.optional("unseen_entity") { spec.unseenEntity = try choice(value, IPInsightsOperatorSpec.UnseenEntityPolicy.self) }
        if let value = try body.optional("alert_variant") {
            spec.alertVariant = value.isNull ? nil : try value.string()
        }
        if let value = try body.optional("reload_interval_ms") {
            spec.reloadIntervalMs = try value.int()
            guard spec.reloadIntervalMs >= 0 else { throw value.error("expected 0 or more milliseconds") }
        }
        return spec
    }
}

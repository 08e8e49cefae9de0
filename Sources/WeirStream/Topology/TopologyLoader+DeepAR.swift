extension TopologyLoader {
    /// A `deepar_forecast` operator; `model` is a model folder (or file) or a registry reference.
    static func parseDeepARForecast(_ body: YAMLCursor) throws(TopologyError) -> DeepARForecastOperatorSpec {
        try body.allowOnly(["model", "key_field", "value_field", "cat_fields", "every", "interval_ms", "num_samples", "quantiles", "max_series",
                            "reload_interval_ms"])
        var spec = DeepARForecastOperatorSpec(model: try parseServedModel(try body.required("model")))
        if let value = try body.optional("key_field") { spec.keyField = try value.string() }
        if let value = try body.optional("value_field") { spec.valueField = try value.string() }
        if let value = try body.optional("cat_fields") { spec.categoryFields = try value.strings() }
        func positive(_ key: String) throws(TopologyError) -> Int? {
            guard let value = try body.optional(key) else { return nil }
            let number = try value.int()
            guard number > 0 else { throw value.error("expected a positive integer, found \(number)") }
            return number
        }
        if let every = try positive("every") { spec.every = every }
        if let interval = try positive("interval_ms") { spec.intervalMs = interval }
        if let samples = try positive("num_samples") { spec.samples = samples }
        if let maxSeries = try positive("max_series") { spec.maxSeries = maxSeries }
        if let value = try body.optional("reload_interval_ms") {
            spec.reloadIntervalMs = try value.int()
            guard spec.reloadIntervalMs >= 0 else { throw value.error("expected 0 or more milliseconds") }
        }
        if let value = try body.optional("quantiles") {
            guard case .sequence(let items) = value.node else { throw value.error("expected a list of quantiles such as [0.1, 0.5, 0.9]") }
            spec.quantiles = []
            for item in items {
                guard case .scalar(let scalar) = item, let q = Double(scalar.string), q > 0, q < 1 else {
                    throw value.error("expected quantiles between 0 and 1")
                }
                spec.quantiles.append(q)
            }
        }
        return spec
    }
}

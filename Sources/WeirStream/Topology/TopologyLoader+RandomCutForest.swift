import WeirRCF
import WeirRegistry

extension TopologyLoader {
    static let randomCutForestKeys = [
        "features", "key_field", "shingle_size", "num_trees", "sample_size", "bounding_box_cache_fraction", "time_decay", "output_after", "seed",
        "transform", "transform_decay", "scoring", "forest_mode", "imputation", "fill_values", "z_factor", "absolute_threshold",
        "initial_threshold", "ignore_near_expected", "ignore_near_expected_relative", "noise_factor",
        "attribution_every_input", "output", "max_resident_keys", "state_dir", "snapshot_interval_ms", "shadow", "model", "model_version",
    ]

    /// A `random_cut_forest` operator: forest and thresholder settings under the names the
    /// AWS library and SageMaker use (`num_trees`, `sample_size`, `shingle_size`, ...).
    static func parseRandomCutForest(_ body: YAMLCursor, schemaFeatures: [String]) throws(TopologyError) -> RandomCutForestOperatorSpec {
        try body.allowOnly(randomCutForestKeys)
        let features = try body.optional("features")?.strings() ?? []
        let inputs = features.isEmpty ? schemaFeatures.count : features.count
        if inputs == 0 { throw body.error("expected 'features' (or a schema with features) to score") }
        var detector = ThresholdedRandomCutForest.Configuration(inputDimensions: inputs)
        if let value = try body.optional("shingle_size") { detector.shingleSize = try positive(value) }
        if let value = try body.optional("num_trees") { detector.numberOfTrees = try positive(value) }
        if let value = try body.optional("sample_size") { detector.sampleSize = try positive(value) }
        if let value = try body.optional("bounding_box_cache_fraction") { detector.boundingBoxCacheFraction = try value.double() }
        if let value = try body.optional("time_decay") { detector.timeDecay = try value.double() }
        if let value = try body.optional("output_after") { detector.outputAfter = try positive(value) }
        if let value = try body.optional("seed") { detector.seed = UInt64(truncatingIfNeeded: try value.int()) }
        if let value = try body.optional("transform") { detector.transform = try choice(value, TransformMethod.self) }
        if let value = try body.optional("scoring") { detector.scoring = try choice(value, ThresholdedRandomCutForest.Scoring.self) }
        if let value = try body.optional("transform_decay") { detector.transformDecay = try value.double() }
        if let value = try body.optional("forest_mode") {
            detector.forestMode = try choice(value, ThresholdedRandomCutForest.ForestMode.self)
        }
        if let value = try body.optional("imputation") {
            switch try value.string() {
            case "previous": detector.imputation = .previous
            case "linear": detector.imputation = .linear
            case "zero": detector.imputation = .zero
            case "forest", "rcf": detector.imputation = .forest
            case "fixed":
                let fill = try body.required("fill_values")
                var values: [Double] = []
                for element in try fill.elements() { values.append(try element.double()) }
                detector.imputation = .fixed(values)
            case let other: throw value.error("expected previous, linear, zero, forest or fixed, found '\(other)'")
            }
        }
        if let value = try body.optional("z_factor") { detector.thresholds.zFactor = try value.double() }
        if let value = try body.optional("absolute_threshold") { detector.thresholds.absoluteThreshold = try value.double() }
        if let value = try body.optional("initial_threshold") { detector.thresholds.initialThreshold = try value.double() }
        if let value = try body.optional("ignore_near_expected") {
            if case .scalar = value.node {
                detector.ignoreNearExpectedAbsolute = [try value.double()]
            } else {
                var values: [Double] = []
                for element in try value.elements() { values.append(try element.double()) }
                detector.ignoreNearExpectedAbsolute = values
            }
        }
        if let value = try body.optional("ignore_near_expected_relative") { detector.ignoreNearExpectedRelative = try value.double() }
        if let value = try body.optional("noise_factor") { detector.ignoreNearExpectedNoiseFactor = try value.double() }
        if let value = try body.optional("attribution_every_input") { detector.attributeEveryInput = try value.bool() }
        var spec = RandomCutForestOperatorSpec(detector: detector)
        spec.features = features
        spec.keyField = try body.optional("key_field")?.string()
        if let value = try body.optional("output") { spec.output = try choice(value, RandomCutForestOperatorSpec.OutputStyle.self) }
        // Kinesis' explanation is on every record.
        if spec.output == .kinesis { spec.detector.attributeEveryInput = true }
        if let value = try body.optional("max_resident_keys") { spec.maxResidentKeys = try positive(value) }
        spec.stateDirectory = try body.optional("state_dir")?.string()
        if let value = try body.optional("snapshot_interval_ms") { spec.snapshotIntervalMs = try positive(value) }
        if let model = try body.optional("model") {
            if case .scalar = model.node {
                spec.seedModel = try model.string()
            } else {
                spec.registryModel = try parseRegistryModel(model)
            }
        }
        if let value = try body.optional("model_version") { spec.modelVersion = try value.string() }
        if let shadow = try body.optional("shadow") {
            guard case .mapping = shadow.node else { throw shadow.error("expected {registry, name, stage, reload_interval_ms}") }
            var reference = try parseRegistryModel(shadow, defaultStage: .shadow)
            reference.policy = .replace
            spec.shadowModel = reference
        }
        if let problem = spec.detector.problem() { throw body.error(problem) }
        return spec
    }

    /// `model: PATH` (a model folder or file) or a registry reference.
    static func parseServedModel(_ cursor: YAMLCursor) throws(TopologyError) -> ServedModelSource {
        if case .scalar = cursor.node { return .file(try cursor.string()) }
        return .registry(try parseRegistryModel(cursor))
    }

    /// `model: {registry: DIR, name: NAME, stage: production, reload_interval_ms: 1000, on_reload: replace}`.
    static func parseRegistryModel(_ cursor: YAMLCursor, defaultStage: ModelRegistry.Stage = .production) throws(TopologyError)
        -> RegistryModelReference {
        try cursor.allowOnly(["registry", "name", "stage", "reload_interval_ms", "on_reload", "baking"])
        var reference = RegistryModelReference(directory: try cursor.optional("registry")?.string() ?? ".weir-registry",
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

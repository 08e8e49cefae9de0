import WeirAlgorithm
import WeirCore

/// The `deepar_forecast` operator: a forecast feed. Each series keeps its recent history
/// (context plus the longest lag of the model's frequency, so memory per series is
/// bounded); every `every` observations (or once `interval_ms` of event time has passed
/// since its last forecast) the event gets the forecast of the next `prediction_length`
/// steps: `forecast_start` (in the record's own time form: epoch seconds, milliseconds or
/// ISO 8601, as its timestamp field), `forecast_mean`, `forecast_quantiles`,
/// `model_version`. Event times place values on the model's grid: a gap is filled with
/// missing values (one longer than the history restarts the series), a late point inside
/// the history updates it without publishing, an older one is dropped.
extension DeepARAlgorithm: Streamable {
    public struct Settings: Sendable, Equatable {
        /// The field naming the series; nil: the record key.
        public var keyField: String?
        public var valueField = "value"
        /// Fields holding the series' category indices, in the model's `cat` order.
        public var categoryFields: [String] = []
        /// Publish a forecast every this many observations of a series.
        public var every = 1
        /// Instead: publish when a series' event time moved this far since its last forecast.
        public var intervalMs: Int?
        public var samples = 100
        public var quantiles: [Double] = [0.1, 0.5, 0.9]
    }

    /// A series' recent history on the model's grid.
    public struct SeriesHistory: Sendable, Equatable {
        /// The grid the history is on (the model's frequency).
        var frequency: String
        /// The time of `values[0]`, epoch seconds.
        var anchor: Int64
        var values: [Double]
        var categories: [Int]
        var sincePublished = 0
        /// Event time of the last forecast, epoch milliseconds.
        var lastPublishedMs: Int64?
    }

    public static let settingKeys = ["key_field", "value_field", "cat_fields", "every", "interval_ms", "num_samples", "quantiles"]
    public static let settingAliases = ["max_series": "max_resident_keys"]

    public static func settings(_ config: OperatorConfig) throws(OperatorConfigError) -> Settings {
        var settings = Settings()
        settings.keyField = try config.string("key_field")
        if let value = try config.string("value_field") { settings.valueField = value }
        if let value = try config.strings("cat_fields") { settings.categoryFields = value }
        if let value = try config.int("every", in: 1...1_000_000) { settings.every = value }
        settings.intervalMs = try config.int("interval_ms", in: 1...Int(Int32.max))
        if let value = try config.int("num_samples", in: 1...10_000) { settings.samples = value }
        if let value = try config.doubles("quantiles") {
            guard !value.isEmpty, value.allSatisfy({ $0 > 0 && $0 < 1 }) else {
                throw OperatorConfigError(key: "quantiles", "expected quantiles between 0 and 1 such as [0.1, 0.5, 0.9]")
            }
            settings.quantiles = value
        }
        return settings
    }

    public static func stateKey(of event: Event, settings: Settings) throws(RecordError) -> String {
        try event.stateKey(field: settings.keyField, expected: "expected the series name (a string or number)")
    }

    public static func serve(_ model: DeepARModel, settings: Settings) throws -> DeepARModel {
        guard model.configuration.dynamicFeatures == 0 else {
            throw ModelSnapshotError(name: "deepar", "the model takes \(model.configuration.dynamicFeatures) dynamic features, whose future values a stream does not carry; serve it with weir predict")
        }
        guard settings.categoryFields.count == model.configuration.cardinality.count else {
            throw ModelSnapshotError(name: "deepar", "the model takes \(model.configuration.cardinality.count) categories; cat_fields names \(settings.categoryFields.count)")
        }
        return model
    }

    public static func newState(key: String, served: DeepARModel, settings: Settings) -> SeriesHistory {
        SeriesHistory(frequency: served.configuration.frequency.description, anchor: 0, values: [], categories: [])
    }

    /// A history on another grid means nothing to a model of another frequency.
    public static func state(_ state: SeriesHistory, fits served: DeepARModel) -> Bool {
        state.frequency == served.configuration.frequency.description
    }

    /// How many steps of `frequency` lie from `anchor` to `time`, rounded down (a time
    /// between two grid points belongs to the earlier one).
    static func steps(from anchor: Int64, to time: Int64, frequency: TimeFrequency) -> Int {
        if frequency.unit == .month {
            let a = CivilDate.civil(daysSinceEpoch: Int(anchor.floorDivision(86_400)))
            let b = CivilDate.civil(daysSinceEpoch: Int(time.floorDivision(86_400)))
            let months = (b.year - a.year) * 12 + (b.month - a.month)
            return months >= 0 ? months / frequency.multiple : -((-months + frequency.multiple - 1) / frequency.multiple)
        }
        let step = frequency.advance(0, by: 1)
        let quotient = (time &- anchor).floorDivision(step)
        return Int(clamping: quotient)
    }

    public static func process(_ state: inout SeriesHistory, event: inout Event, served model: DeepARModel, version: String,
                               settings: Settings) throws(RecordError) -> StreamOutcome {
        let value: Double
        switch event.fields[settings.valueField] {
        case .number(let number)? where Swift.abs(number) <= Double(Float.greatestFiniteMagnitude): value = number
        case .number(let number)?:
            throw RecordError(.process, field: settings.valueField, "\(number) is beyond float32's range (±3.4e38), which DeepAR computes in")
        case .null?, nil: value = .nan
        case .string(let text)? where text == "NaN": value = .nan
        case let other?: throw RecordError(.process, field: settings.valueField, "expected a number, null or \"NaN\", found \(other.kindName)")
        }
        guard let timestampMs = event.timestamp else {
            throw RecordError(.process, "the event has no time (set decode.timestamp_field or use record timestamps)")
        }
        let configuration = model.configuration
        var categories: [Int] = []
        for (index, field) in settings.categoryFields.enumerated() {
            let cardinality = index < configuration.cardinality.count ? configuration.cardinality[index] : 0
            guard let number = event.fields[field]?.doubleValue, let category = Int(exactly: number), category >= 0 else {
                throw RecordError(.process, field: field, "expected a category index (a non-negative integer)")
            }
            guard category < cardinality else {
                throw RecordError(.process, field: field, "category \(category) is outside the model's 0..<\(cardinality)")
            }
            categories.append(category)
        }
        let seriesKey = try stateKey(of: event, settings: settings)
        let frequency = configuration.frequency
        let keep = configuration.contextLength + (configuration.lags.last ?? 1)
        let time = timestampMs.floorDivision(1_000)
        if state.values.isEmpty { state.anchor = time }
        state.categories = categories
        let index = state.values.isEmpty ? 0 : steps(from: state.anchor, to: time, frequency: frequency)
        if index < 0 { return StreamOutcome(.noDecision("late_point_dropped")) }
        if index < state.values.count {
            state.values[index] = value // a late point inside the history
            return StreamOutcome(.noDecision("late_point"))
        }
        let gap = index - state.values.count
        if gap > keep {
            state = SeriesHistory(frequency: frequency.description, anchor: time, values: [value], categories: categories,
                                  sincePublished: 0, lastPublishedMs: state.lastPublishedMs)
        } else {
            state.values += [Double](repeating: .nan, count: gap) + [value]
        }
        if state.values.count > 2 * keep {
            let drop = state.values.count - keep
            state.values.removeFirst(drop)
            state.anchor = frequency.advance(state.anchor, by: drop)
        }
        state.sincePublished += 1
        let publish: Bool
        if let interval = settings.intervalMs {
            publish = state.lastPublishedMs.map { timestampMs &- $0 >= Int64(interval) } ?? true
        } else {
            publish = state.sincePublished >= settings.every
        }
        guard publish else { return StreamOutcome(.noDecision("not_due")) }
        state.sincePublished = 0
        state.lastPublishedMs = timestampMs
        // Seeded by the series and its history: a replay gives the same feed.
        var hasher = FNV1a()
        hasher.add(seriesKey.utf8)
        withUnsafeBytes(of: state.anchor) { hasher.add($0) }
        withUnsafeBytes(of: state.values.count) { hasher.add($0) }
        let forecast = DeepARForecast(samples: model.forecast(DeepARSeries(start: state.anchor, values: state.values, categories: categories),
                                                              samples: settings.samples, seed: hasher.value))
        guard forecast.isFinite else { throw RecordError(.process, field: settings.valueField, DeepARForecast.notFiniteMessage) }
        let first = frequency.advance(state.anchor, by: state.values.count)
        event.fields.set("forecast_start", event.timeStyle.value(ofMilliseconds: first &* 1_000))
        event.fields.set("forecast_mean", .array(forecast.mean.map { .number($0) }))
        event.fields.set("forecast_quantiles", .object(JSONObject(settings.quantiles.map { q in
            (JSONWriter.string(of: .number(q)), .array(forecast.quantile(q).map { .number($0) }))
        })))
        event.fields.set("model_version", .string(version))
        return StreamOutcome(.normal)
    }

    static let stateMagic = Array("WDAH".utf8)
    /// Longer histories than any model keeps (a guard before allocating on decode).
    static let maximumHistory = 1 << 24

    public static func encode(state: SeriesHistory) -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + state.values.count * 8)
        writer.append(raw: stateMagic)
        writer.write(UInt8(1))
        writer.write(string: state.frequency)
        writer.write(state.anchor)
        writer.write(doubles: state.values)
        writer.write(array: state.categories.map { Int64($0) })
        writer.write(Int64(state.sincePublished))
        writer.write(UInt8(state.lastPublishedMs == nil ? 0 : 1))
        writer.write(state.lastPublishedMs ?? 0)
        return writer.bytes
    }

    public static func decode(state bytes: [UInt8], name: String) throws -> SeriesHistory {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: 4) == stateMagic else { throw reader.error("not a deepar_forecast series state (bad magic)") }
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown series state version \(version); expected 1") }
        let frequency = try reader.readString()
        guard TimeFrequency(frequency) != nil else { throw reader.error("unknown frequency '\(frequency)'") }
        let anchor: Int64 = try reader.read()
        // Grid arithmetic on the anchor must not overflow: about ±300,000 years around 1970.
        guard abs(Double(anchor)) < 1e13 else { throw reader.error("implausible anchor time \(anchor)") }
        let values = try reader.readDoubles()
        guard values.count <= maximumHistory, values.allSatisfy({ !$0.isInfinite }) else { throw reader.error("implausible history") }
        var categories: [Int] = []
        for category in try reader.readArray(of: Int64.self) {
            guard let value = Int(exactly: category), value >= 0 else { throw reader.error("negative category") }
            categories.append(value)
        }
        guard let since = Int(exactly: try reader.read(Int64.self)), since >= 0 else { throw reader.error("negative observation count") }
        let hasPublished: UInt8 = try reader.read()
        let published: Int64 = try reader.read()
        guard hasPublished <= 1 else { throw reader.error("bad flag") }
        try reader.expectEnd()
        return SeriesHistory(frequency: frequency, anchor: anchor, values: values, categories: categories, sincePublished: since,
                             lastPublishedMs: hasPublished == 1 ? published : nil)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (times before an anchor are earlier steps).
    func floorDivision(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirCore
import WeirDeepAR
import WeirRegistry

/// Turns a stream of observations into a forecast feed: it keeps each series' recent
/// history (the context plus the longest lag, so memory per series is bounded), and every
/// `every` observations of a series (or once `interval_ms` of event time has passed since
/// its last forecast) publishes the forecast of its next
/// `prediction_length` steps: `forecast_start` (epoch milliseconds of the first forecast
/// step), `forecast_mean`, `forecast_quantiles` and `model_version`, added to the
/// observation's event. Timestamps (the event time) place each value on the model's
/// frequency grid: a gap is filled with missing values (a gap longer than the history
/// restarts the series), a late point inside the history updates it without publishing,
/// and one older than the history is counted and dropped. A new series starts with
/// missing history (its categories' embeddings carry what the model knows of its kind);
/// series beyond `max_series` are forgotten least recently updated first.
public final class DeepARForecastOperator: StreamOperator {
    public let name = "deepar_forecast"
    let spec: DeepARForecastOperatorSpec
    private let logger = Logger(label: "weir.deepar")
    private var model: DeepARModel?
    private var modelVersion = ""
    private var fileSource: FileModelSource<DeepARModel>?
    private var registrySource: RegistryModelSource<DeepARModel>?
    private var series: [String: SeriesState] = [:]
    private var clock: UInt64 = 0
    private let forecasts = Counter(label: "weir_deepar_forecasts_total")
    private let lateDropped = Counter(label: "weir_deepar_late_points_dropped_total")
    private let latency = Timer(label: "weir_deepar_forecast_seconds")

    struct SeriesState {
        /// The time of `values[0]`, epoch seconds.
        var anchor: Int64
        var values: [Double]
        var categories: [Int]
        var sincePublished = 0
        /// Event time of the last forecast, epoch milliseconds.
        var lastPublishedMs: Int64?
        var lastUsed: UInt64
    }

    public init(_ spec: DeepARForecastOperatorSpec) {
        self.spec = spec
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> DeepARModel {
        let model = try DeepARModel(snapshot: bytes, name: name)
        guard model.configuration.dynamicFeatures == 0 else {
            throw SnapshotError(input: name, "the model takes \(model.configuration.dynamicFeatures) dynamic features, whose future values a stream does not carry; serve it with weir predict")
        }
        return model
    }

    public func open() throws {
        switch spec.model {
        case .file(let path):
            let source = FileModelSource(path: path, fileName: DeepARAlgorithm.info.modelFile, intervalMs: spec.reloadIntervalMs, decode: Self.decode)
            try source.load()
            fileSource = source
            install(source.model!, version: source.version)
        case .registry(let reference):
            let source = try RegistryModelSource(reference, features: nil) { envelope, label in
                guard envelope.algorithm == DeepARAlgorithm.info.name else {
                    throw SnapshotError(input: label, "is a \(envelope.algorithm) model, not \(DeepARAlgorithm.info.name)")
                }
                return try Self.decode(envelope.payload, name: label)
            }
            registrySource = source
            if source.check(), let served = source.served { install(served.model, version: served.label) }
        }
    }

    private func install(_ newModel: DeepARModel, version: String) {
        if let old = model, old.configuration.frequency != newModel.configuration.frequency {
            series.removeAll() // histories on another grid mean nothing to the new model
        }
        model = newModel
        modelVersion = version
        logger.info("serving a DeepAR model", metadata: ["model": "\(version)", "frequency": "\(newModel.configuration.frequency)"])
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
        return Int((time - anchor).floorDivision(step))
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var event = consume event
        if let source = registrySource, source.poll(), let served = source.served { install(served.model, version: served.label) }
        if let source = fileSource, source.poll(), let loaded = source.model { install(loaded, version: source.version) }
        guard let model else { throw RecordError(.process, "no DeepAR model is served yet (the registry has no version in its stage)") }
        let key = try event.stateKey(field: spec.keyField, expected: "expected the series name (a string or number)")
        let value: Double
        switch event.fields[spec.valueField] {
        case .number(let number)?: value = number
        case .null?, nil: value = .nan
        case .string(let text)? where text == "NaN": value = .nan
        case let other?: throw RecordError(.process, field: spec.valueField, "expected a number, null or \"NaN\", found \(other.kindName)")
        }
        guard let timestampMs = event.timestamp else {
            throw RecordError(.process, "the event has no time (set decode.timestamp_field or use record timestamps)")
        }
        var categories: [Int] = []
        for (index, field) in spec.categoryFields.enumerated() {
            guard let number = event.fields[field]?.doubleValue, number >= 0, number == number.rounded() else {
                throw RecordError(.process, field: field, "expected a category index (a non-negative integer)")
            }
            let cardinality = index < model.configuration.cardinality.count ? model.configuration.cardinality[index] : 0
            guard Int(number) < cardinality else {
                throw RecordError(.process, field: field, "category \(Int(number)) is outside the model's 0..<\(cardinality)")
            }
            categories.append(Int(number))
        }
        guard categories.count == model.configuration.cardinality.count else {
            throw RecordError(.process, field: nil, "the model takes \(model.configuration.cardinality.count) categories; cat_fields names \(categories.count)")
        }
        let configuration = model.configuration
        let frequency = configuration.frequency
        let keep = configuration.contextLength + (configuration.lags.last ?? 1)
        let time = timestampMs.floorDivision(1_000)
        clock += 1
        var state = series[key] ?? SeriesState(anchor: time, values: [], categories: categories, lastUsed: clock)
        state.categories = categories
        state.lastUsed = clock
        let index = state.values.isEmpty ? 0 : Self.steps(from: state.anchor, to: time, frequency: frequency)
        if index < 0 {
            lateDropped.increment()
            series[key] = state
            output.append(event)
            return
        }
        if index < state.values.count {
            state.values[index] = value // a late point inside the history
            series[key] = state
            output.append(event)
            return
        }
        let gap = index - state.values.count
        if gap > keep {
            state = SeriesState(anchor: time, values: [value], categories: categories, lastPublishedMs: state.lastPublishedMs, lastUsed: clock)
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
        if let interval = spec.intervalMs {
            publish = state.lastPublishedMs.map { timestampMs - $0 >= Int64(interval) } ?? true
        } else {
            publish = state.sincePublished >= spec.every
        }
        if publish {
            state.sincePublished = 0
            state.lastPublishedMs = timestampMs
        }
        series[key] = state
        if series.count > spec.maxSeries { evict() }
        guard publish else {
            output.append(event)
            return
        }
        let started = ContinuousClock.now
        var hasher = FNV1a()
        hasher.add(key.utf8)
        withUnsafeBytes(of: state.anchor) { hasher.add($0) }
        withUnsafeBytes(of: state.values.count) { hasher.add($0) }
        let forecast = DeepARForecast(samples: model.forecast(DeepARSeries(start: state.anchor, values: state.values, categories: categories),
                                                              samples: spec.samples, seed: hasher.value))
        latency.recordNanoseconds(Int64(started.nanosecondsElapsed))
        forecasts.increment()
        let first = frequency.advance(state.anchor, by: state.values.count)
        event.fields.set("forecast_start", .number(Double(first * 1_000)))
        event.fields.set("forecast_mean", .array(forecast.mean.map { .number($0) }))
        event.fields.set("forecast_quantiles", .object(JSONObject(spec.quantiles.map { q in
            (JSONWriter.string(of: .number(q)), .array(forecast.quantile(q).map { .number($0) }))
        })))
        event.fields.set("model_version", .string(modelVersion))
        output.append(event)
    }

    /// Forgets the least recently updated tenth of the series (at least the excess).
    private func evict() {
        let excess = max(series.count - spec.maxSeries, spec.maxSeries / 10)
        let oldest = series.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(excess).map(\.key)
        for key in oldest { series[key] = nil }
    }

    /// Series in memory now.
    public var seriesCount: Int { series.count }
}

extension Int64 {
    func floorDivision(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

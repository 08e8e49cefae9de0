/// The `deepar_forecast` operator's settings: the model, which fields hold the series
/// key, the observed value and its categories, how often a series' forecast is
/// published, and how many series stay in memory.
public struct DeepARForecastOperatorSpec: Sendable, Equatable {
    public var model: ServedModelSource
    /// The field naming the series; nil: the record key.
    public var keyField: String?
    public var valueField = "value"
    /// Fields holding the series' category indices, in the model's `cat` order.
    public var categoryFields: [String] = []
    /// Publish a forecast every this many observations of a series.
    public var every = 1
    /// Instead of counting observations: publish when a series' event time has moved at
    /// least this far since its last forecast (its first observation always publishes).
    public var intervalMs: Int?
    public var samples = 100
    public var quantiles: [Double] = [0.1, 0.5, 0.9]
    /// Series kept in memory; the least recently updated beyond this are forgotten.
    public var maxSeries = 10_000
    public var reloadIntervalMs = 1_000

    public init(model: ServedModelSource) {
        self.model = model
    }
}

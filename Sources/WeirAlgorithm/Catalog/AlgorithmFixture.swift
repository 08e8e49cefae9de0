import WeirCore

/// What a catalogue entry ships for the conformance suite: a small data set it writes
/// itself, hyperparameters that train on it in seconds, sample requests, requests that
/// must be refused, and a quality check against a trivial baseline.
public struct AlgorithmFixture: Sendable {
    /// Sample request records, in the form the algorithm's predictor takes.
    public enum Requests: Sendable {
        /// Feature vectors (sent as CSV, JSON, JSON lines, RecordIO and libsvm).
        case numeric([[Double]])
        /// Text fields (sent as CSV, JSON and JSON lines).
        case text([[String]])
        /// JSON instances with an optional request configuration.
        case instances([JSONObject], configuration: JSONObject?)
        /// Not servable.
        case none
    }

    /// A request that must be refused: its content type, body, and text the error must
    /// contain (the field or record it names).
    public struct BadRequest: Sendable {
        public var contentType: String
        public var body: String
        public var errorMentions: String

        public init(contentType: String, body: String, errorMentions: String) {
            self.contentType = contentType
            self.body = body
            self.errorMentions = errorMentions
        }
    }

    /// The requests every numeric model must refuse, for `width` features: a CSV row of
    /// the wrong width (named by its line), a JSON instance with text for a number (named
    /// by its index), and a missing value (named by its field).
    public static func numericBadRequests(width: Int) -> [BadRequest] {
        let row = (1...width).map(String.init)
        let csv = row.joined(separator: ",")
        let json = "[" + csv + "]"
        return [
            BadRequest(contentType: "text/csv", body: "\(csv)\n\(csv),\(width + 1)\n", errorMentions: "line 2"),
            BadRequest(contentType: "application/json",
                       body: #"{"instances":[{"features":"# + json + #"},{"features":[1,"x""# + String(repeating: ",1", count: width - 2) + "]}]}",
                       errorMentions: "instances[1]"),
            BadRequest(contentType: "text/csv", body: "\(csv)\nnan" + String(repeating: ",2", count: width - 1) + "\n", errorMentions: "features[0]"),
        ]
    }

    /// A quality measure of the fixture's model and of a trivial baseline on the same data.
    public struct Quality: Sendable, CustomStringConvertible {
        public var metric: String
        public var model: Double
        public var baseline: Double
        public var higherIsBetter: Bool

        public init(metric: String, model: Double, baseline: Double, higherIsBetter: Bool) {
            self.metric = metric
            self.model = model
            self.baseline = baseline
            self.higherIsBetter = higherIsBetter
        }

        public var beatsBaseline: Bool { model.isFinite && (higherIsBetter ? model > baseline : model < baseline) }
        public var description: String { "\(metric): model \(model), baseline \(baseline)" }
    }

    /// A stream for an algorithm's online operator: its settings and the events, in order
    /// (their fields and event times; offsets are their positions).
    public struct Stream: Sendable {
        public var settings: JSONObject
        public var events: [(fields: JSONObject, timestampMs: Int64)]

        public init(settings: JSONObject, events: [(fields: JSONObject, timestampMs: Int64)]) {
            self.settings = settings
            self.events = events
        }
    }

    public var hyperparameters: [String: String]
    /// Writes the data set into a folder and returns the channels over it.
    public var channels: @Sendable (_ directory: String) throws -> [String: TrainingChannel]
    /// The hyperparameter that seeds training, when training is random.
    public var seedHyperparameter: String?
    public var requests: Requests
    public var badRequests: [BadRequest]
    /// Measures the trained model (its snapshot bytes) on the data written to `directory`.
    public var quality: @Sendable (_ snapshot: [UInt8], _ directory: String) throws -> Quality
    /// Events for the online operator, when the algorithm is streamable.
    public var stream: Stream?

    public init(hyperparameters: [String: String], channels: @escaping @Sendable (String) throws -> [String: TrainingChannel],
                seedHyperparameter: String? = "seed", requests: Requests, badRequests: [BadRequest] = [],
                stream: Stream? = nil, quality: @escaping @Sendable ([UInt8], String) throws -> Quality) {
        self.hyperparameters = hyperparameters
        self.channels = channels
        self.seedHyperparameter = seedHyperparameter
        self.requests = requests
        self.badRequests = badRequests
        self.quality = quality
        self.stream = stream
    }
}

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

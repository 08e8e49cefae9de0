/// Why one record could not be decoded or processed. It names the input (origin), the
/// field when there is one, and what was expected; the record goes to the dead-letter
/// sink with this reason and the stream goes on.
public struct RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stage that rejected the record: it becomes the `weir.error.class` header.
    public enum Stage: String, Sendable {
        case decode, schema, process, sink, oversize
    }

    public var stage: Stage
    public var field: String?
    public var message: String

    public init(_ stage: Stage, field: String? = nil, _ message: String) {
        self.stage = stage
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(stage.rawValue) error in field '\(field)': \(message)" }
        return "\(stage.rawValue) error: \(message)"
    }
}

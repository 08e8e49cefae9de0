/// A decoded record flowing through the operator chain: named fields, the key that
/// routes it, and the metadata it came with. Operators read and rewrite events.
public struct Event: Sendable, Equatable {
    public var fields: JSONObject
    /// The record key used when the event is produced to Kafka (and by keyed operators).
    public var key: [UInt8]?
    public var headers: [RecordHeader]
    public var timestamp: Int64?
    /// How the record wrote `timestamp`, for times operators add (milliseconds when the
    /// time came from Kafka rather than a field).
    public var timeStyle: EventTimeStyle = .epochMilliseconds
    public var origin: RecordOrigin
    /// The feature vector a schema extracted, if the topology declares features.
    public var features: [Double]

    public init(fields: JSONObject, key: [UInt8]? = nil, headers: [RecordHeader] = [],
                timestamp: Int64? = nil, origin: RecordOrigin, features: [Double] = []) {
        self.fields = fields
        self.key = key
        self.headers = headers
        self.timestamp = timestamp
        self.origin = origin
        self.features = features
    }

    /// The key as text, for keyed state and logs.
    public var keyText: String { key.map { String(decoding: $0, as: UTF8.self) } ?? "" }
}

extension Event {
    /// The text of a field that names something (a series, an entity, a forest's key): a
    /// string as it is, a number in its JSON spelling; nil for anything else or nothing.
    public func identifier(_ field: String) -> String? {
        switch fields[field] {
        case .string(let text)?: return text
        case .number(let number)?: return JSONWriter.string(of: .number(number))
        default: return nil
        }
    }

    /// The key that state is kept under: field `field`'s text (see `identifier`) when a
    /// field is named, else the record's Kafka key. `expected` says in the error what the
    /// field should hold when it holds no identifier.
    public func stateKey(field: String?, expected: String) throws(RecordError) -> String {
        guard let field else { return keyText }
        guard let text = identifier(field) else { throw RecordError(.process, field: field, expected) }
        return text
    }
}

/// One header of a Kafka record: a name and an optional (possibly binary) value.
public struct RecordHeader: Sendable, Equatable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ text: String) {
        self.init(name: name, value: Array(text.utf8))
    }

    /// The value read as UTF-8 text, for headers Weir writes itself.
    public var text: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

extension Array where Element == RecordHeader {
    /// The last value of header `name` (Kafka allows repeats; the last one wins, as in Kafka Streams).
    public func last(named name: String) -> RecordHeader? {
        self.last { $0.name == name }
    }

    /// The `weir.variant` header's text: nil for primary events, `shadow` for a shadow
    /// model's outputs. Sinks take the events of their own variant only.
    public var variant: String? {
        isEmpty ? nil : last(named: RecordHeader.variantName)?.text
    }
}

extension RecordHeader {
    public static let variantName = "weir.variant"
}

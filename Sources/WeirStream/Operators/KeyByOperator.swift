import WeirCore

/// Sets the event key (used for output partitioning and keyed state) from a field.
public final class KeyByOperator: StreamOperator {
    public let name = "key_by"
    let field: String

    public init(field: String) {
        self.field = field
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var keyed = consume event
        switch keyed.fields[field] {
        case .string(let text)?: keyed.key = Array(text.utf8)
        case .number(let number)?: keyed.key = JSONWriter.bytes(of: .number(number))
        case .bool(let flag)?: keyed.key = Array((flag ? "true" : "false").utf8)
        case nil, .null?: throw RecordError(.process, field: field, "key_by: the field is missing")
        case let other?: throw RecordError(.process, field: field, "key_by: expected a string, number or boolean, found \(other.kindName)")
        }
        output.append(keyed)
    }
}

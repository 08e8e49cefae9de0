import WeirCore

/// Decodes a value holding one JSON object.
public final class JSONRecordDecoder: RecordDecoder {
    public init() {}

    public func decode(_ record: RawRecord) throws(RecordError) -> Event? {
        guard let value = record.value, !value.isEmpty else {
            throw RecordError(.decode, "empty value; expected a JSON object")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(value)
        } catch {
            throw RecordError(.decode, "\(error)")
        }
        // Consumed, so the event gets the only reference to the field storage and
        // operators can rewrite it in place.
        switch consume parsed {
        case .object(let object):
            return Event(fields: object, record: record)
        case let other:
            throw RecordError(.decode, "expected a JSON object, found \(other.kindName)")
        }
    }
}

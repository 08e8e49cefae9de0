import Foundation
import WeirCore

/// Passes the value through as one field: `value` when it is UTF-8 text, otherwise
/// `value_base64`. Used for opaque payloads that operators only route.
public final class RawBytesDecoder: RecordDecoder {
    public init() {}

    public func decode(_ record: RawRecord) throws(RecordError) -> Event? {
        let bytes = record.value ?? []
        let field: (String, JSONValue)
        if let text = String(validating: bytes, as: UTF8.self) {
            field = ("value", .string(text))
        } else {
            field = ("value_base64", .string(Data(bytes).base64EncodedString()))
        }
        return Event(fields: JSONObject([field]), record: record)
    }
}

import WeirCore

/// Turns a source record's bytes into an event's fields. A decoder may keep state (a CSV
/// header read from the first line), so it is a class used by one pipeline thread.
public protocol RecordDecoder: AnyObject {
    /// The event in `record`, or nil when the record carries none (a CSV header line).
    func decode(_ record: RawRecord) throws(RecordError) -> Event?
}

/// Builds the decoder a topology's `decode:` section asks for.
public enum RecordDecoders {
    public static func make(_ spec: DecodeSpec) -> any RecordDecoder {
        switch spec.format {
        case .json: return JSONRecordDecoder()
        case .csv: return CSVRecordDecoder(columns: spec.columns, header: spec.header, delimiter: spec.delimiter)
        case .raw: return RawBytesDecoder()
        case .accessLog: return AccessLogDecoder()
        }
    }
}

extension Event {
    /// An event carrying `fields` and everything else from the record it was decoded from.
    init(fields: JSONObject, record: RawRecord) {
        self.init(fields: fields, key: record.key, headers: record.headers, timestamp: record.timestamp,
                  origin: record.origin)
    }
}

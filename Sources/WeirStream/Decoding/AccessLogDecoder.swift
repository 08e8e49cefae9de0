import WeirCore

/// Decodes Apache/nginx access-log lines (Common or Combined Log Format) into fields:
/// `remote_addr`, `ident`, `user`, `time` (epoch seconds, UTC), `method`, `path`,
/// `protocol`, `request`, `status`, `bytes`, `referer`, `user_agent`. A `-` value leaves
/// its field out, so `filter: {field: user, op: exists}` keeps authenticated requests.
/// A line that is not a log line is a decode error naming the column and field.
public final class AccessLogDecoder: RecordDecoder {
    public init() {}

    public func decode(_ record: RawRecord) throws(RecordError) -> Event? {
        var bytes = record.value ?? []
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        let line: AccessLogLine
        do {
            line = try AccessLogLine(parsing: bytes)
        } catch {
            throw RecordError(.decode, field: error.field, "not an access-log line: \(error)")
        }
        var fields: [(key: String, value: JSONValue)] = [("remote_addr", .string(line.remoteAddress))]
        if let ident = line.ident { fields.append(("ident", .string(ident))) }
        if let user = line.user { fields.append(("user", .string(user))) }
        fields.append(("time", .number(Double(line.time))))
        if let method = line.method { fields.append(("method", .string(method))) }
        if let path = line.path { fields.append(("path", .string(path))) }
        if let httpProtocol = line.httpProtocol { fields.append(("protocol", .string(httpProtocol))) }
        fields.append(("request", .string(line.request)))
        fields.append(("status", .number(Double(line.status))))
        if let size = line.bytes { fields.append(("bytes", .number(Double(size)))) }
        if let referer = line.referer { fields.append(("referer", .string(referer))) }
        if let agent = line.userAgent { fields.append(("user_agent", .string(agent))) }
        var event = Event(fields: JSONObject(fields), record: record)
        event.timestamp = line.time * 1000
        return event
    }
}

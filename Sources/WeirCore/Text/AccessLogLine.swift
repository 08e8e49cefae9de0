/// One line of an Apache or nginx access log in the Common or Combined Log Format:
/// `host ident user [10/Oct/2026:13:55:36 -0700] "GET /path HTTP/1.1" 200 2326 "referer" "agent"`.
/// `-` stands for a missing value; the referer and user agent are absent in the Common
/// format. Quoted fields may hold `\"` escapes (nginx writes them).
public struct AccessLogLine: Sendable, Equatable {
    public var remoteAddress: String
    public var ident: String?
    public var user: String?
    /// Seconds since the Unix epoch (UTC).
    public var time: Int64
    /// The timestamp's offset from UTC, in minutes.
    public var utcOffsetMinutes: Int
    /// The request line as written; method, path and protocol when it has three parts.
    public var request: String
    public var method: String?
    public var path: String?
    public var httpProtocol: String?
    public var status: Int
    public var bytes: Int?
    public var referer: String?
    public var userAgent: String?

    public init(remoteAddress: String, ident: String? = nil, user: String?, time: Int64, utcOffsetMinutes: Int = 0,
                method: String, path: String, httpProtocol: String = "HTTP/1.1", status: Int, bytes: Int?,
                referer: String? = nil, userAgent: String? = nil) {
        self.remoteAddress = remoteAddress
        self.ident = ident
        self.user = user
        self.time = time
        self.utcOffsetMinutes = utcOffsetMinutes
        self.request = "\(method) \(path) \(httpProtocol)"
        self.method = method
        self.path = path
        self.httpProtocol = httpProtocol
        self.status = status
        self.bytes = bytes
        self.referer = referer
        self.userAgent = userAgent
    }

    /// Why a line is not an access-log line: the field and what was expected there.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let field: String
        public let column: Int
        public let reason: String
        public var description: String { "column \(column + 1), \(field): \(reason)" }
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses one line (without its line break).
    public init(parsing line: some StringProtocol) throws(ParseError) {
        try self.init(parsing: Array(line.utf8))
    }

    /// Parses one line's UTF-8 bytes (without its line break).
    public init(parsing utf8: [UInt8]) throws(ParseError) {
        var cursor = Cursor(bytes: utf8)
        remoteAddress = try cursor.token("remote address")
        ident = try cursor.token("ident").dashAsNil
        user = try cursor.token("user").dashAsNil
        let timeText = try cursor.bracketed("time")
        (time, utcOffsetMinutes) = try Self.parseTime(timeText, column: cursor.position)
        request = try cursor.quoted("request")
        let parts = request.split(separator: " ", omittingEmptySubsequences: true)
        if parts.count == 3 {
            method = String(parts[0])
            path = String(parts[1])
            httpProtocol = String(parts[2])
        } else if parts.count == 2 {
            method = String(parts[0])
            path = String(parts[1])
        }
        let statusText = try cursor.token("status")
        guard let status = Int(statusText), (100...999).contains(status) else {
            throw ParseError(field: "status", column: cursor.position, reason: "expected a 3-digit HTTP status, found '\(statusText.prefix(20))'")
        }
        self.status = status
        let bytesText = try cursor.token("bytes")
        if bytesText == "-" {
            bytes = nil
        } else {
            guard let value = Int(bytesText), value >= 0 else {
                throw ParseError(field: "bytes", column: cursor.position, reason: "expected a byte count or '-', found '\(bytesText.prefix(20))'")
            }
            bytes = value
        }
        cursor.skipSpaces()
        if cursor.isAtEnd { return }
        referer = try cursor.quoted("referer").dashAsNil
        cursor.skipSpaces()
        if cursor.isAtEnd { return }
        userAgent = try cursor.quoted("user agent").dashAsNil
    }

    /// `10/Oct/2026:13:55:36 -0700` as epoch seconds (UTC) and the offset.
    static func parseTime(_ text: String, column: Int) throws(ParseError) -> (Int64, Int) {
        let fail = ParseError(field: "time", column: column, reason: "expected dd/Mon/yyyy:HH:MM:SS +hhmm, found '\(text.prefix(40))'")
        let bytes = Array(text.utf8)
        guard bytes.count == 26, bytes[2] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: "/"), bytes[11] == UInt8(ascii: ":"),
              bytes[14] == UInt8(ascii: ":"), bytes[17] == UInt8(ascii: ":"), bytes[20] == UInt8(ascii: " ") else { throw fail }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard bytes[index] >= 48 && bytes[index] <= 57 else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        let monthName = String(decoding: bytes[3..<6], as: UTF8.self)
        guard let day = number(0..<2), let month = months.firstIndex(of: monthName), let year = number(7..<11),
              let hour = number(12..<14), let minute = number(15..<17), let second = number(18..<20),
              let offsetHours = number(22..<24), let offsetMinutes = number(24..<26),
              bytes[21] == UInt8(ascii: "+") || bytes[21] == UInt8(ascii: "-"),
              (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { throw fail }
        let offset = (bytes[21] == UInt8(ascii: "-") ? -1 : 1) * (offsetHours * 60 + offsetMinutes)
        let days = CivilDate.daysSinceEpoch(year: year, month: month + 1, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return (local - Int64(offset * 60), offset)
    }

    /// The line in the Combined Log Format (Common when referer and agent are both nil).
    public var formatted: String {
        let local = time + Int64(utcOffsetMinutes * 60)
        let (year, month, day) = CivilDate.civil(daysSinceEpoch: Int(local.floorDiv(86_400)))
        let seconds = Int(local - local.floorDiv(86_400) * 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let offset = abs(utcOffsetMinutes)
        let stamp = "\(two(day))/\(Self.months[month - 1])/\(year):\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60)) \(sign)\(two(offset / 60))\(two(offset % 60))"
        var line = "\(remoteAddress) \(ident ?? "-") \(user ?? "-") [\(stamp)] \"\(Self.escaped(request))\" \(status) \(bytes.map(String.init) ?? "-")"
        if referer != nil || userAgent != nil {
            line += " \"\(Self.escaped(referer ?? "-"))\" \"\(Self.escaped(userAgent ?? "-"))\""
        }
        return line
    }

    static func escaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) else { return text }
        var out = ""
        for character in text {
            if character == "\\" || character == "\"" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    struct Cursor {
        let bytes: [UInt8]
        var position = 0
        var isAtEnd: Bool { position >= bytes.count }

        mutating func skipSpaces() { while position < bytes.count, bytes[position] == 0x20 { position += 1 } }

        mutating func token(_ field: String) throws(ParseError) -> String {
            skipSpaces()
            let start = position
            while position < bytes.count, bytes[position] != 0x20 { position += 1 }
            guard position > start else { throw ParseError(field: field, column: start, reason: "missing (the line ends early)") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        mutating func bracketed(_ field: String) throws(ParseError) -> String {
            skipSpaces()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "[") else {
                throw ParseError(field: field, column: position, reason: "expected '[' to open the timestamp")
            }
            let start = position + 1
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "]")) else {
                throw ParseError(field: field, column: position, reason: "the timestamp has no closing ']'")
            }
            position = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        mutating func quoted(_ field: String) throws(ParseError) -> String {
            skipSpaces()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw ParseError(field: field, column: position, reason: "expected a quoted field")
            }
            var value: [UInt8] = []
            var index = position + 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    value.append(bytes[index + 1])
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    position = index + 1
                    return String(decoding: value, as: UTF8.self)
                }
                value.append(byte)
                index += 1
            }
            throw ParseError(field: field, column: position, reason: "the quoted field is not closed")
        }
    }
}

extension String {
    fileprivate var dashAsNil: String? { self == "-" ? nil : self }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

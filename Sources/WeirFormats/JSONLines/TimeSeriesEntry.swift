import WeirCore

/// One series in DeepAR's JSON-lines format: `start` ("YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"),
/// `target` (numbers; null or "NaN" for missing), optional `cat` (category indices) and
/// `dynamic_feat` (one array per feature, all of one length).
public struct TimeSeriesEntry: Sendable, Equatable {
    public var start: String
    /// `start` as seconds since the Unix epoch (UTC).
    public var startEpochSeconds: Int64
    public var target: [Double]
    public var categories: [Int]
    public var dynamicFeatures: [[Double]]

    public init(start: String, target: [Double], categories: [Int] = [], dynamicFeatures: [[Double]] = []) throws(FormatError) {
        guard let seconds = Self.epochSeconds(of: start) else {
            throw FormatError(input: "", .none, field: "start", "expected \"YYYY-MM-DD\" or \"YYYY-MM-DD HH:MM:SS\", found \"\(start)\"")
        }
        self.start = start
        startEpochSeconds = seconds
        self.target = target
        self.categories = categories
        self.dynamicFeatures = dynamicFeatures
    }

    /// Parses a start timestamp; nil when it is not one of DeepAR's two forms or not a real date.
    public static func epochSeconds(of text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte &- 0x30 < 10 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count == 10 || bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        var hour = 0, minute = 0, second = 0
        if bytes.count == 19 {
            guard bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                  let h = number(11..<13), let m = number(14..<16), let s = number(17..<19), h < 24, m < 60, s < 60 else { return nil }
            (hour, minute, second) = (h, m, s)
        }
        return Int64(CivilDate.daysSinceEpoch(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
    }

    /// The entry as a JSON object in DeepAR's format (missing target values as "NaN").
    public var jsonObject: JSONObject {
        var object = JSONObject([("start", .string(start)),
                                 ("target", .array(target.map { $0.isNaN ? .string("NaN") : .number($0) }))])
        if !categories.isEmpty { object.set("cat", .array(categories.map { .number(Double($0)) })) }
        if !dynamicFeatures.isEmpty {
            object.set("dynamic_feat", .array(dynamicFeatures.map { .array($0.map { $0.isNaN ? .string("NaN") : .number($0) }) }))
        }
        return object
    }
}

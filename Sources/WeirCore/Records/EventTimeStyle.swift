/// How a record wrote its event time (epoch seconds, epoch milliseconds or ISO 8601 text),
/// so a time an operator adds to it (a forecast's start) is written the same way: one time
/// unit per output record, the one its producer chose.
public enum EventTimeStyle: Sendable, Equatable {
    case epochSeconds
    case epochMilliseconds
    case iso8601

    /// `milliseconds` since the epoch written in this style: a number of seconds or
    /// milliseconds, or UTC text such as `2024-05-01T12:00:00Z` (with `.123` when the
    /// milliseconds are not whole seconds).
    public func value(ofMilliseconds milliseconds: Int64) -> JSONValue {
        switch self {
        case .epochSeconds: return .number(Double(milliseconds) / 1_000)
        case .epochMilliseconds: return .number(Double(milliseconds))
        case .iso8601: return .string(Self.isoText(milliseconds))
        }
    }

    /// UTC ISO 8601 text of an epoch time in milliseconds (proleptic Gregorian calendar).
    static func isoText(_ milliseconds: Int64) -> String {
        var days = milliseconds / 86_400_000, dayMilliseconds = milliseconds % 86_400_000
        if dayMilliseconds < 0 { (days, dayMilliseconds) = (days - 1, dayMilliseconds + 86_400_000) }
        let (year, month, day) = CivilDate.civil(daysSinceEpoch: Int(days))
        let seconds = Int(dayMilliseconds / 1_000), fraction = Int(dayMilliseconds % 1_000)
        var text = "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T"
            + "\(padded(seconds / 3_600, 2)):\(padded(seconds / 60 % 60, 2)):\(padded(seconds % 60, 2))"
        if fraction != 0 { text += ".\(padded(fraction, 3))" }
        return text + "Z"
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

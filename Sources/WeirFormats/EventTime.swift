import Foundation
import WeirCore

/// Reads an event-time field: epoch seconds (below 1e11) or milliseconds as a number,
/// or ISO 8601 text such as `2024-05-01T12:00:00Z`. Times outside years 1 to 9999 are an
/// error for the record, so no later time arithmetic meets a value near the Int64 limits.
public enum EventTime {
    /// Epoch milliseconds of 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999Z.
    public static let validMilliseconds: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    /// `milliseconds` as an event time, or an error naming the field when it is out of range.
    public static func checked(_ milliseconds: Double, field: String, found: String) throws(RecordError) -> Int64 {
        let rounded = milliseconds.rounded()
        guard rounded >= Double(validMilliseconds.lowerBound), rounded <= Double(validMilliseconds.upperBound),
              let value = Int64(exactly: rounded) else {
            throw RecordError(.decode, field: field, "the time \(found) is outside years 1 to 9999")
        }
        return value
    }

    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
    nonisolated(unsafe) private static let plainFormatter = ISO8601DateFormatter()

    /// How `value` writes a time (checked by `milliseconds(of:field:)`): numbers below
    /// 1e11 are seconds, larger ones milliseconds; text that is no number is ISO 8601.
    public static func style(of value: JSONValue?) -> EventTimeStyle {
        switch value {
        case .number(let number)?: return number < 1e11 ? .epochSeconds : .epochMilliseconds
        case .string(let text)?:
            if let number = Double(text) { return number < 1e11 ? .epochSeconds : .epochMilliseconds }
            return .iso8601
        default: return .epochMilliseconds
        }
    }

    public static func milliseconds(of value: JSONValue?, field: String) throws(RecordError) -> Int64 {
        switch value {
        case .number(let number)? where number.isFinite:
            return try checked(number < 1e11 ? number * 1000 : number, field: field, found: NumberText.format(number))
        case .string(let text)?:
            if let number = Double(text), number.isFinite {
                return try milliseconds(of: .number(number), field: field)
            }
            if let date = formatter.date(from: text) ?? plainFormatter.date(from: text) {
                return try checked(date.timeIntervalSince1970 * 1000, field: field, found: "'\(text.prefix(60))'")
            }
            throw RecordError(.decode, field: field, "expected epoch seconds, epoch milliseconds or ISO 8601 time, found '\(text)'")
        case nil, .null?:
            throw RecordError(.decode, field: field, "the timestamp field is missing")
        case .number?:
            throw RecordError(.decode, field: field, "expected a finite time")
        case let other?:
            throw RecordError(.decode, field: field, "expected a time, found \(other.kindName)")
        }
    }
}

import Foundation
import WeirCore

/// Reads an event-time field: epoch seconds (below 1e11) or milliseconds as a number,
/// or ISO 8601 text such as `2024-05-01T12:00:00Z`.
enum EventTime {
    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
    nonisolated(unsafe) private static let plainFormatter = ISO8601DateFormatter()

    static func milliseconds(of value: JSONValue?, field: String) throws(RecordError) -> Int64 {
        switch value {
        case .number(let number)? where number.isFinite:
            return number < 1e11 ? Int64((number * 1000).rounded()) : Int64(number.rounded())
        case .string(let text)?:
            if let number = Double(text), number.isFinite {
                return try milliseconds(of: .number(number), field: field)
            }
            if let date = formatter.date(from: text) ?? plainFormatter.date(from: text) {
                return Int64((date.timeIntervalSince1970 * 1000).rounded())
            }
            throw RecordError(.decode, field: field, "expected epoch seconds, epoch milliseconds or ISO 8601 time, found '\(text)'")
        case nil, .null?:
            throw RecordError(.decode, field: field, "the timestamp field is missing")
        case let other?:
            throw RecordError(.decode, field: field, "expected a time, found \(other.kindName)")
        }
    }
}

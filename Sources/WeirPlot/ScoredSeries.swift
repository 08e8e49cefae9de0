import Foundation
import WeirCore
import WeirFormats

/// One key's records from a replay's or capture's output: each record's time, its feature
/// values, and the forest's verdict when the record carries one (`anomaly_score`,
/// `anomaly_grade`, `anomaly_threshold`, `attribution`).
public struct ScoredSeries: Sendable {
    public struct Point: Sendable {
        public let time: Double
        public let values: [Double?]
        public let score: Double?
        public let grade: Double?
        public let threshold: Double?
        /// Attribution as text, largest first (`latency_ms high 0.84, cpu high 0.22`).
        public let explanation: String?
    }

    public let key: String
    public let features: [String]
    public var points: [Point]

    /// Fields Weir's operators add; never plotted as features.
    static let outputFields: Set<String> = ["anomaly_score", "anomaly_grade", "anomaly_threshold", "anomaly_start", "expected",
                                            "attribution", "model_version", "score", "ANOMALY_SCORE", "ANOMALY_EXPLANATION"]

    public struct Options: Sendable {
        public var timeField = "ts"
        /// The field naming the series (none: one series of every record).
        public var keyField: String?
        /// Features to draw (none: every numeric field that is not an output field).
        public var features: [String] = []

        public init() {}
    }

    /// Groups JSON lines by key, in order of first appearance; each key's points in time order.
    /// A line that is not a JSON object or has no usable time throws, naming the line.
    public static func read(lines: [Substring], input: String, options: Options) throws -> [ScoredSeries] {
        var order: [String] = []
        var byKey: [String: [JSONObject]] = [:]
        var features = options.features
        var seenFeatures = Set(features)
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            guard case .object(let object)? = try? JSONParser.parse(Array(line.utf8)) else {
                throw PlotError("\(input) line \(index + 1): not a JSON object")
            }
            let key = options.keyField.map { object[$0].map(Self.text) ?? "(no \($0))" } ?? "all"
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(object)
            if options.features.isEmpty {
                for field in object.fields where !outputFields.contains(field.key) && field.key != options.timeField && field.key != options.keyField {
                    if case .number = field.value, !seenFeatures.contains(field.key) {
                        seenFeatures.insert(field.key)
                        features.append(field.key)
                    }
                }
            }
        }
        return try order.map { key in
            var points: [Point] = []
            for object in byKey[key] ?? [] {
                // The stream's own event-time reading: epoch seconds or milliseconds, or ISO 8601, years 1 to 9999.
                let time: Int64
                do {
                    time = try EventTime.milliseconds(of: object[options.timeField], field: options.timeField)
                } catch {
                    throw PlotError("\(input): a record of \(key): \(error)")
                }
                points.append(Point(time: Double(time), values: features.map { object[$0]?.doubleValue },
                                    score: object["anomaly_score"]?.doubleValue, grade: object["anomaly_grade"]?.doubleValue,
                                    threshold: object["anomaly_threshold"]?.doubleValue, explanation: explanation(object["attribution"])))
            }
            points.sort { $0.time < $1.time }
            return ScoredSeries(key: key, features: features, points: points)
        }
    }

    static func text(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONWriter.string(of: value)
    }

    /// `{"cpu": {"high": 0.2, "low": 0.02}, ...}` as its largest parts, largest first.
    static func explanation(_ value: JSONValue?) -> String? {
        guard case .object(let attribution)? = value else { return nil }
        var parts: [(String, Double)] = []
        for field in attribution.fields {
            if case .object(let sides) = field.value {
                for side in sides.fields { if let amount = side.value.doubleValue { parts.append(("\(field.key) \(side.key)", amount)) } }
            } else if let amount = field.value.doubleValue {
                parts.append((field.key, amount))
            }
        }
        guard !parts.isEmpty else { return nil }
        return parts.sorted { $0.1 > $1.1 }.prefix(4).map { "\($0.0) \(AxisScale.label($0.1))" }.joined(separator: ", ")
    }
}

/// A plot input that cannot be drawn, with what and where.
public struct PlotError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

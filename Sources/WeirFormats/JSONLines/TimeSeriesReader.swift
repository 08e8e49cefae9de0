import WeirCore

/// Reads DeepAR's JSON-lines time series, one series per line, checking every field.
public final class TimeSeriesReader {
    let lines: JSONLineInput
    public var line: Int64 { lines.line }

    public init(_ input: ByteInput) {
        input.skipByteOrderMark()
        lines = JSONLineInput(input)
    }

    public convenience init(path: String) throws(FormatError) {
        self.init(try ByteInput(path: path))
    }

    public func next() throws(FormatError) -> TimeSeriesEntry? {
        guard let value = try lines.next() else { return nil }
        return try Self.entry(value) { field, message in lines.failure(field, message) }
    }

    /// One series from a parsed JSON value (a line, or an instance of a DeepAR request);
    /// `fail(field, message)` builds the error naming where it came from.
    public static func entry(_ value: JSONValue, fail: (String?, String) -> FormatError) throws(FormatError) -> TimeSeriesEntry {
        func series(_ value: JSONValue, field: String) throws(FormatError) -> [Double] {
            guard case .array(let items) = value else { throw fail(field, "expected an array, found \(value.kindName)") }
            let values = try JSONLineInput.numbers(items, field: field, expected: "a number, null or \"NaN\"") { field, message in fail(field, message) }
            // DeepAR computes in float32: larger magnitudes would overflow silently into inf.
            if let position = values.firstIndex(where: { Swift.abs($0) > Double(Float.greatestFiniteMagnitude) }) {
                throw fail("\(field)[\(position)]", "\(values[position]) is beyond float32's range (±3.4e38), which DeepAR computes in")
            }
            return values
        }
        guard case .object(let object) = value else { throw fail(nil, "expected a JSON object, found \(value.kindName)") }
        guard case .string(let start)? = object["start"] else {
            throw fail("start", object["start"] == nil ? "missing" : "expected a string, found \(object["start"]!.kindName)")
        }
        guard let targetValue = object["target"] else { throw fail("target", "missing") }
        let target = try series(targetValue, field: "target")
        guard !target.isEmpty else { throw fail("target", "is empty") }
        var categories: [Int] = []
        if let cat = object["cat"], cat != .null {
            guard case .array(let items) = cat else { throw fail("cat", "expected an array of category indices, found \(cat.kindName)") }
            for (position, item) in items.enumerated() {
                guard case .number(let number) = item, number >= 0, number == number.rounded(), number < 1e15 else {
                    throw fail("cat[\(position)]", "expected a non-negative integer, found \(item == .null ? "null" : JSONWriter.string(of: item))")
                }
                categories.append(Int(number))
            }
        }
        var dynamic: [[Double]] = []
        if let features = object["dynamic_feat"], features != .null {
            guard case .array(let rows) = features else { throw fail("dynamic_feat", "expected an array of arrays, found \(features.kindName)") }
            for (position, row) in rows.enumerated() {
                let values = try series(row, field: "dynamic_feat[\(position)]")
                if let first = dynamic.first, first.count != values.count {
                    throw fail("dynamic_feat[\(position)]", "has \(values.count) values, dynamic_feat[0] has \(first.count)")
                }
                dynamic.append(values)
            }
        }
        do {
            return try TimeSeriesEntry(start: start, target: target, categories: categories, dynamicFeatures: dynamic)
        } catch {
            throw fail(error.field, error.message)
        }
    }
}

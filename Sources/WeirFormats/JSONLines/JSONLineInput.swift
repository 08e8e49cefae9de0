import WeirCore

/// The JSON values of a JSON-lines input, one per non-blank line, with the line number
/// each came from; a line that is not JSON is an error naming the file, line and column.
public final class JSONLineInput {
    let input: ByteInput
    /// The line of the value last returned.
    public private(set) var line: Int64 = 0

    public init(_ input: ByteInput) {
        self.input = input
    }

    public var name: String { input.name }

    public func next() throws(FormatError) -> JSONValue? {
        var value: JSONValue?
        while value == nil {
            let more = try input.readLine { bytes throws(FormatError) in
                line += 1
                guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
                do throws(JSONParseError) {
                    value = try JSONParser.parse(Array(bytes))
                } catch {
                    throw FormatError(input: input.name, .line(line), "invalid JSON at column \(error.offset + 1): \(error.reason)")
                }
            }
            guard more else { return nil }
        }
        return value
    }

    /// An error about the value last returned.
    public func failure(_ field: String?, _ message: String) -> FormatError {
        FormatError(input: input.name, .line(line), field: field, message)
    }
}

extension JSONLineInput {
    /// Numbers of a JSON array, with null and "NaN" as missing values (NaN); anything else
    /// fails with `expected` naming the element.
    static func numbers(_ items: [JSONValue], field: String, expected: String,
                        _ fail: (String?, String) -> FormatError) throws(FormatError) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            switch item {
            case .number(let number): result.append(number)
            case .null: result.append(.nan)
            case .string(let text) where text.lowercased() == "nan": result.append(.nan)
            default: throw fail("\(field)[\(position)]", "expected \(expected), found \(item.kindName)")
            }
        }
        return result
    }
}

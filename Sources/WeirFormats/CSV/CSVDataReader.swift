/// Reads numeric CSV the way SageMaker's built-in algorithms take it: no header unless
/// asked, the first `labelSize` columns are the label (1 by default; 0 for unsupervised
/// data, `text/csv;label_size=0`), the rest are features. Fields may be quoted (RFC 4180,
/// including quoted line breaks); an empty field is a missing value (NaN). One line is in
/// memory at a time.
public final class CSVDataReader {
    public struct Options: Sendable, Equatable {
        public var labelSize: Int
        public var hasHeader: Bool
        public var delimiter: UInt8

        public init(labelSize: Int = 1, hasHeader: Bool = false, delimiter: UInt8 = UInt8(ascii: ",")) {
            self.labelSize = labelSize
            self.hasHeader = hasHeader
            self.delimiter = delimiter
        }

        /// Options from a content type such as `text/csv;label_size=0`; nil when the type is
        /// not CSV or a parameter is malformed.
        public static func fromContentType(_ contentType: String) -> Options? {
            let parts = contentType.split(separator: ";").map { $0.trimmingSpaces() }
            guard let type = parts.first?.lowercased(), type == "text/csv" || type == "csv" else { return nil }
            var options = Options()
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                guard pair.count == 2 else { return nil }
                switch pair[0].lowercased() {
                case "label_size":
                    guard let size = Int(pair[1]), size >= 0 else { return nil }
                    options.labelSize = size
                case "header":
                    options.hasHeader = ["present", "true", "1"].contains(pair[1].lowercased())
                default: continue // charset and other parameters do not change parsing
                }
            }
            return options
        }
    }

    public let options: Options
    let input: ByteInput
    public private(set) var header: [String]?
    public private(set) var columnCount: Int?
    /// The 1-based line number of the record last returned.
    public private(set) var line: Int64 = 0
    private var linesRead: Int64 = 0
    private var fields: [[UInt8]] = []
    private var numbers: [Double] = []

    public init(_ input: ByteInput, options: Options = Options()) {
        self.input = input
        self.options = options
    }

    public convenience init(path: String, options: Options = Options()) throws(FormatError) {
        self.init(try ByteInput(path: path), options: options)
    }

    /// The next row, or nil at the end of the input.
    public func next() throws(FormatError) -> DataRow? {
        while true {
            numbers.removeAll(keepingCapacity: true)
            var pendingQuoted: [UInt8]? = nil
            var isBlank = false
            var recordStart: Int64 = 0
            var sawLine = false
            repeat {
                sawLine = try input.readLine { bytes throws(FormatError) in
                    linesRead += 1
                    if var pending = pendingQuoted {
                        pending.append(0x0A)
                        pending.append(contentsOf: bytes)
                        pendingQuoted = try parseQuoted(pending)
                        return
                    }
                    recordStart = linesRead
                    if bytes.isEmpty {
                        isBlank = true
                        return
                    }
                    isBlank = false
                    if !bytes.contains(UInt8(ascii: "\"")) {
                        try parsePlain(bytes)
                    } else {
                        pendingQuoted = try parseQuoted(Array(bytes))
                    }
                }
            } while sawLine && pendingQuoted != nil
            if pendingQuoted != nil {
                throw FormatError(input: input.name, .line(recordStart), "unterminated quoted field at the end of the input")
            }
            guard sawLine else { return nil }
            if isBlank { continue }
            line = recordStart
            if options.hasHeader && header == nil {
                header = fields.map { String(decoding: $0, as: UTF8.self) }
                columnCount = header!.count
                continue
            }
            if let row = try makeRow() { return row }
        }
    }

    /// Splits an unquoted line and parses each field as it goes (into a local buffer:
    /// appending to a stored property per field would cost an exclusivity check each).
    private func parsePlain(_ bytes: UnsafeBufferPointer<UInt8>) throws(FormatError) {
        let delimiter = options.delimiter
        if options.hasHeader && header == nil {
            fields.removeAll(keepingCapacity: true)
            var start = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == delimiter {
                fields.append(Array(UnsafeBufferPointer(rebasing: bytes[start..<index])))
                start = index + 1
            }
            return
        }
        var parsed = numbers
        numbers = []
        defer { numbers = parsed }
        parsed.removeAll(keepingCapacity: true)
        var column = 0
        var index = 0
        let count = bytes.count
        while true {
            // One pass per field: plain decimals ("-12.5") are parsed while scanning for the
            // delimiter; anything else falls back to the general parser on the field.
            let start = index
            var negative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var mantissa: UInt64 = 0
            var digits = 0
            var fractionDigits = 0
            while index < count, bytes[index] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 0x30)
                digits += 1
                index += 1
            }
            if index < count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                while index < count, bytes[index] &- 0x30 < 10 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 0x30)
                    digits += 1
                    fractionDigits += 1
                    index += 1
                }
            }
            let value: Double
            if (index == count || bytes[index] == delimiter), digits > 0, digits <= 19, mantissa < 1 << 53,
               fractionDigits < Self.exactPowersOfTen.count {
                let magnitude = Double(mantissa) / Self.exactPowersOfTen[fractionDigits]
                value = negative ? -magnitude : magnitude
            } else {
                while index < count && bytes[index] != delimiter { index += 1 }
                let field = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard let parsedValue = NumberText.parseDouble(field) else {
                    throw notANumber(Array(field), column: column, line: linesRead)
                }
                value = parsedValue
            }
            parsed.append(value)
            if index >= count { break }
            column += 1
            index += 1
        }
    }

    private static let exactPowersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                                     1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// Parses a line with quotes; returns the text so far when a quoted field is still open.
    private func parseQuoted(_ bytes: [UInt8]) throws(FormatError) -> [UInt8]? {
        fields.removeAll(keepingCapacity: true)
        var field: [UInt8] = []
        var inQuotes = false
        var index = 0
        var fieldWasQuoted = false
        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") && field.isEmpty && !fieldWasQuoted {
                inQuotes = true
                fieldWasQuoted = true
            } else if byte == options.delimiter {
                fields.append(field)
                field.removeAll()
                fieldWasQuoted = false
            } else {
                field.append(byte)
            }
            index += 1
        }
        if inQuotes { return bytes }
        fields.append(field)
        if !(options.hasHeader && header == nil) {
            for (column, text) in fields.enumerated() {
                let value = text.withUnsafeBufferPointer { NumberText.parseDouble($0) }
                guard let value else { throw notANumber(text, column: column, line: linesRead) }
                numbers.append(value)
            }
        }
        return nil
    }

    private func makeRow() throws(FormatError) -> DataRow? {
        if let columnCount, numbers.count != columnCount {
            throw FormatError(input: input.name, .line(line),
                              "expected \(columnCount) columns (as \(header == nil ? "the first row" : "the header")), found \(numbers.count)")
        }
        if columnCount == nil { columnCount = numbers.count }
        guard numbers.count >= options.labelSize else {
            throw FormatError(input: input.name, .line(line), "\(numbers.count) columns cannot hold a label of \(options.labelSize) values")
        }
        return DataRow(features: .dense(Array(numbers[options.labelSize...])), label: Array(numbers[..<options.labelSize]))
    }

    private func notANumber(_ text: [UInt8], column: Int, line: Int64) -> FormatError {
        let name = header.flatMap { column < $0.count ? "\(column + 1) (\($0[column]))" : nil } ?? "\(column + 1)"
        let shown = String(decoding: text.prefix(40), as: UTF8.self)
        return FormatError(input: input.name, .line(line), field: name, "expected a number, found '\(shown)'")
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

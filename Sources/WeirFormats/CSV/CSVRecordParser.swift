import WeirCore

/// Turns one CSV record (a line, or several joined when a quoted field holds line breaks)
/// into a row: the parsing shared by the sequential reader and the parallel block
/// workers. It keeps the header and the column count that later records must match.
struct CSVRecordParser: Sendable {
    let options: CSVDataReader.Options
    let inputName: String
    var header: [String]?
    var columnCount: Int?
    /// Whether the next non-blank record is the header.
    var expectsHeader: Bool
    /// Whether line 1 here is the file's line 1 (not a parallel block's), where a number
    /// error may be a header row nobody declared.
    var startsTheFile = true

    init(options: CSVDataReader.Options, inputName: String) {
        self.options = options
        self.inputName = inputName
        expectsHeader = options.hasHeader
    }

    /// Whether `bytes` end inside a quoted field (an odd number of quotes: RFC 4180's
    /// doubled quotes inside a field count twice).
    static func endsInsideQuotes(_ bytes: UnsafeBufferPointer<UInt8>, startingInside: Bool = false) -> Bool {
        var inside = startingInside
        for byte in bytes where byte == UInt8(ascii: "\"") { inside.toggle() }
        return inside
    }

    /// The error for a record longer than `limit` bytes: most often a quote left open.
    static func tooLong(input: String, line: Int64, limit: Int) -> FormatError {
        FormatError(input: input, .line(line),
                    "a record longer than \(limit) bytes starts here (maxRecordBytes); is a quoted field left unterminated?")
    }

    /// Parses a complete record that started on physical line `line`; nil for a blank
    /// line or the header. `mayHoldQuotes: false` (the caller scanned a whole block and
    /// found none) skips the per-record scan for quotes.
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, line: Int64, mayHoldQuotes: Bool = true) throws(FormatError) -> DataRow? {
        if bytes.isEmpty { return nil }
        if expectsHeader {
            header = try Self.fields(bytes, delimiter: options.delimiter, input: inputName, line: line)
                .map { String(decoding: $0, as: UTF8.self) }
            columnCount = header!.count
            expectsHeader = false
            return nil
        }
        // The label's values and the features' go straight into the row's two arrays.
        let labelSize = options.labelSize
        var label: [Double] = [], features: [Double] = []
        label.reserveCapacity(labelSize)
        features.reserveCapacity(max((columnCount ?? 0) - labelSize, 0))
        if mayHoldQuotes && bytes.contains(UInt8(ascii: "\"")) {
            for (column, text) in try Self.fields(bytes, delimiter: options.delimiter, input: inputName, line: line).enumerated() {
                let value = text.withUnsafeBufferPointer { NumberText.parseDouble($0) }
                guard let value else { throw notANumber(text, column: column, line: line) }
                if column < labelSize { label.append(value) } else { features.append(value) }
            }
        } else {
            try DecimalPowers.exact.withUnsafeBufferPointer { powers throws(FormatError) in
                // The global table read once per record, not once per field (each read of
                // a global array costs an initialisation check and a retain).
                try parsePlain(bytes, line: line, powers: powers, label: &label, features: &features)
            }
        }
        let found = label.count + features.count
        if let columnCount, found != columnCount {
            throw FormatError(input: inputName, .line(line),
                              "expected \(columnCount) columns (as \(header == nil ? "the first row" : "the header")), found \(found)")
        }
        if columnCount == nil { columnCount = found }
        guard found >= labelSize else {
            throw FormatError(input: inputName, .line(line), "\(found) columns cannot hold a label of \(labelSize) values")
        }
        return DataRow(features: .dense(features), label: label)
    }

    /// Parses an unquoted record field by field, the first `labelSize` values into `label`
    /// and the rest into `features`. Plain decimals ("-12.5") are parsed during the scan for
    /// the delimiter; anything else goes to the general parser.
    private func parsePlain(_ bytes: UnsafeBufferPointer<UInt8>, line: Int64, powers: UnsafeBufferPointer<Double>,
                            label: inout [Double], features: inout [Double]) throws(FormatError) {
        let labelSize = options.labelSize
        let delimiter = options.delimiter
        var column = 0
        var index = 0
        let count = bytes.count
        while true {
            let start = index
            var negative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var mantissa: UInt64 = 0
            var digits = 0
            var fractionDigits = 0
            var run = NumberText.digitRun(bytes, from: index, into: &mantissa)
            digits += run
            index += run
            if index < count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                run = NumberText.digitRun(bytes, from: index, into: &mantissa)
                digits += run
                fractionDigits += run
                index += run
            }
            let value: Double
            if (index == count || bytes[index] == delimiter), digits > 0, digits <= 19, mantissa < 1 << 53,
               fractionDigits < powers.count {
                let magnitude = Double(mantissa) / powers[fractionDigits]
                value = negative ? -magnitude : magnitude
            } else {
                while index < count && bytes[index] != delimiter { index += 1 }
                let field = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard let parsedValue = NumberText.parseDouble(field) else {
                    throw notANumber(Array(field), column: column, line: line)
                }
                value = parsedValue
            }
            if column < labelSize { label.append(value) } else { features.append(value) }
            if index >= count { break }
            column += 1
            index += 1
        }
    }


    /// The fields of a complete record, with RFC 4180 quoting undone.
    static func fields(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, input: String, line: Int64) throws(FormatError) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var inQuotes = false
        var fieldWasQuoted = false
        var index = 0
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
            } else if byte == delimiter {
                fields.append(field)
                field.removeAll()
                fieldWasQuoted = false
            } else {
                field.append(byte)
            }
            index += 1
        }
        if inQuotes { throw FormatError(input: input, .line(line), "unterminated quoted field at the end of the input") }
        fields.append(field)
        return fields
    }

    func notANumber(_ text: [UInt8], column: Int, line: Int64) -> FormatError {
        let name = header.flatMap { column < $0.count ? "\(column + 1) (\($0[column]))" : nil } ?? "\(column + 1)"
        let shown = String(decoding: text.prefix(40), as: UTF8.self)
        // SageMaker's text/csv has no header row; a file that has one fails on its first line.
        let hint = header == nil && line == 1 && startsTheFile
            ? " (if line 1 is a header row, say so: --header, or the content type 'text/csv;header=present')" : ""
        return FormatError(input: inputName, .line(line), field: name, "expected a number, found '\(shown)'\(hint)")
    }
}

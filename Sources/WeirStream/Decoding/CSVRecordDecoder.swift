import WeirCore

/// Decodes one CSV line per record (RFC 4180 quoting). Fields that read as numbers
/// become numbers, empty fields become null, the rest stay text. With `header`, the
/// first record names the columns and produces no event.
public final class CSVRecordDecoder: RecordDecoder {
    private var columns: [String]
    private var expectHeader: Bool
    private let delimiter: UInt8

    public init(columns: [String], header: Bool, delimiter: UInt8 = UInt8(ascii: ",")) {
        self.columns = columns
        self.expectHeader = header
        self.delimiter = delimiter
    }

    public func decode(_ record: RawRecord) throws(RecordError) -> Event? {
        let cells = try Self.split(record.value ?? [], delimiter: delimiter)
        if expectHeader {
            expectHeader = false
            if columns.isEmpty { columns = cells.map { String(decoding: $0, as: UTF8.self) } }
            return nil
        }
        guard cells.count == columns.count else {
            throw RecordError(.decode, "expected \(columns.count) CSV fields (\(columns.joined(separator: ","))), found \(cells.count)")
        }
        var fields: [(key: String, value: JSONValue)] = []
        fields.reserveCapacity(cells.count)
        for (name, cell) in zip(columns, cells) {
            fields.append((name, Self.value(of: cell)))
        }
        return Event(fields: JSONObject(fields), record: record)
    }

    static func value(of cell: [UInt8]) -> JSONValue {
        if cell.isEmpty { return .null }
        let first = cell[0]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) || first | 0x20 == UInt8(ascii: "n")
            || first | 0x20 == UInt8(ascii: "i") {
            if let number = Double(String(decoding: cell, as: UTF8.self)) { return .number(number) }
        }
        return .string(String(decoding: cell, as: UTF8.self))
    }

    /// Splits one line into cells, undoing quotes. A trailing CR (CRLF files) is dropped.
    static func split(_ line: [UInt8], delimiter: UInt8) throws(RecordError) -> [[UInt8]] {
        var end = line.count
        if end > 0, line[end - 1] == 0x0D { end -= 1 }
        var cells: [[UInt8]] = []
        var cell: [UInt8] = []
        var index = 0
        var inQuotes = false
        var wasQuoted = false
        while index < end {
            let byte = line[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < end, line[index + 1] == UInt8(ascii: "\"") {
                        cell.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    cell.append(byte)
                }
            } else if byte == delimiter {
                cells.append(cell)
                cell = []
                wasQuoted = false
            } else if byte == UInt8(ascii: "\""), cell.isEmpty, !wasQuoted {
                inQuotes = true
                wasQuoted = true
            } else {
                cell.append(byte)
            }
            index += 1
        }
        if inQuotes { throw RecordError(.decode, "unterminated quoted CSV field") }
        cells.append(cell)
        return cells
    }
}

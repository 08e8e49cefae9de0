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
        /// The longest record accepted, in bytes (64 MiB by default: a dense row of several
        /// million values). A quoted field left open runs to the end of the input; this
        /// bound turns that into an error naming the line it opened on, in linear time and
        /// bounded memory, instead of holding the rest of the file as one record.
        public var maxRecordBytes: Int

        /// The default bound on one record's bytes.
        public static let defaultMaxRecordBytes = 1 << 26

        public init(labelSize: Int = 1, hasHeader: Bool = false, delimiter: UInt8 = UInt8(ascii: ","),
                    maxRecordBytes: Int = Options.defaultMaxRecordBytes) {
            self.labelSize = labelSize
            self.hasHeader = hasHeader
            self.delimiter = delimiter
            self.maxRecordBytes = max(maxRecordBytes, 1)
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
    private var parser: CSVRecordParser
    public var header: [String]? { parser.header }
    public var columnCount: Int? { parser.columnCount }
    /// The 1-based line number of the record last returned.
    public private(set) var line: Int64 = 0
    private var linesRead: Int64 = 0

    public init(_ input: ByteInput, options: Options = Options()) {
        input.skipByteOrderMark()
        self.input = input
        self.options = options
        parser = CSVRecordParser(options: options, inputName: input.name)
    }

    public convenience init(path: String, options: Options = Options()) throws(FormatError) {
        self.init(try ByteInput(path: path), options: options)
    }

    /// The next row, or nil at the end of the input. A record with a quoted line break
    /// grows line by line; only each new line is scanned for quotes, so an open quote costs
    /// linear time, and `maxRecordBytes` bounds its memory.
    public func next() throws(FormatError) -> DataRow? {
        while true {
            var record: [UInt8] = []
            var pending = false
            var row: DataRow? = nil
            var recordStart: Int64 = 0
            var sawLine = false
            let limit = options.maxRecordBytes
            repeat {
                sawLine = try input.readLine { bytes throws(FormatError) in
                    linesRead += 1
                    if pending {
                        guard record.count + 1 + bytes.count <= limit else {
                            throw CSVRecordParser.tooLong(input: input.name, line: recordStart, limit: limit)
                        }
                        record.append(0x0A)
                        record.append(contentsOf: bytes)
                        pending = CSVRecordParser.endsInsideQuotes(bytes, startingInside: true)
                    } else {
                        recordStart = linesRead
                        guard bytes.count <= limit else {
                            throw CSVRecordParser.tooLong(input: input.name, line: recordStart, limit: limit)
                        }
                        if !bytes.contains(UInt8(ascii: "\"")) {
                            row = try parser.parse(bytes, line: recordStart)
                            return
                        }
                        pending = CSVRecordParser.endsInsideQuotes(bytes)
                        if !pending {
                            row = try parser.parse(bytes, line: recordStart)
                            return
                        }
                        record = Array(bytes)
                    }
                    if !pending {
                        row = try record.withUnsafeBufferPointer { (buffer) throws(FormatError) in try parser.parse(buffer, line: recordStart) }
                        record = []
                    }
                }
            } while sawLine && pending
            if pending {
                throw FormatError(input: input.name, .line(recordStart), "unterminated quoted field at the end of the input")
            }
            guard sawLine else { return nil }
            if let row {
                line = recordStart
                return row
            }
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces (content-type parameters).
    public func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

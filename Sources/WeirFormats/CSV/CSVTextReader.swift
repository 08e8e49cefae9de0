/// Reads CSV whose fields are text, not numbers (IP Insights' `entity,address` pairs):
/// each record's fields as strings, with the 1-based line it came from. Fields may be
/// quoted (RFC 4180 within one line); blank lines are skipped. One line in memory at a time.
public final class CSVTextReader {
    let input: ByteInput
    let delimiter: UInt8
    /// The 1-based line of the record last returned.
    public private(set) var line: Int64 = 0
    public var name: String { input.name }

    public init(_ input: ByteInput, delimiter: UInt8 = UInt8(ascii: ",")) {
        input.skipByteOrderMark()
        self.input = input
        self.delimiter = delimiter
    }

    public convenience init(path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(FormatError) {
        self.init(try ByteInput(path: path), delimiter: delimiter)
    }

    /// Calls `body` with the next non-blank record's raw fields (valid during the call);
    /// false at the end of the input.
    public func next(_ body: ([ArraySlice<UInt8>]) throws -> Void) throws -> Bool {
        var found = false
        var fields: [ArraySlice<UInt8>] = []
        while !found {
            let sawLine = try input.readLine { bytes throws(FormatError) in
                line += 1
                guard !bytes.isEmpty else { return }
                found = true
                if bytes.contains(UInt8(ascii: "\"")) {
                    fields = try CSVRecordParser.fields(bytes, delimiter: delimiter, input: input.name, line: line).map { $0[...] }
                } else {
                    let copy = Array(bytes)
                    fields = copy.split(separator: delimiter, omittingEmptySubsequences: false)
                }
            }
            guard sawLine else { return false }
        }
        try body(fields)
        return true
    }
}

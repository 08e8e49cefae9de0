import WeirCore
import WeirFormats

/// Reads a replay file one record at a time with bounded memory: a line per record for
/// CSV and JSON lines (origin offset = 1-based line number), or framed records of a
/// capture file (origin = where the record was captured). `-` reads standard input; gzip
/// data is inflated on the fly (`ByteInput`).
public final class FileRecordReader {
    public let path: String
    public let format: FileSourceSpec.Format
    private let input: ByteInput
    private var lineNumber: Int64 = 0
    private var chunk: [UInt8] = []
    /// The largest captured record accepted: a larger length means a damaged file.
    private static let maxCapturedRecord = 1 << 30

    public init(path: String, format: FileSourceSpec.Format) throws(SourceError) {
        self.path = path
        self.format = format
        do { input = try ByteInput(path: path) } catch {
            throw SourceError(input: path, offset: nil, message: error.message)
        }
        switch format {
        case .lines:
            input.skipByteOrderMark()
        case .capture:
            var magic: [UInt8] = []
            let read = input.read(CaptureFile.magic.count, into: &magic)
            if let failure = input.failure { throw SourceError(input: path, offset: nil, message: failure.message) }
            guard read == CaptureFile.magic.count, magic.prefix(read).elementsEqual(CaptureFile.magic) else {
                throw SourceError(input: path, offset: 0, message: "not a Weir capture file (expected magic WEIRCAP1)")
            }
        }
    }

    /// The next record, or nil at the end of the file.
    public func next() throws(SourceError) -> RawRecord? {
        switch format {
        case .lines: return try nextLine()
        case .capture: return try nextCaptured()
        }
    }

    private func nextLine() throws(SourceError) -> RawRecord? {
        var record: RawRecord?
        do {
            while record == nil {
                let more = try input.readLine { line in
                    lineNumber += 1
                    guard !line.isEmpty else { return } // blank lines carry no record
                    record = RawRecord(key: nil, value: Array(line),
                                       origin: RecordOrigin(topic: path, partition: 0, offset: lineNumber))
                }
                guard more else { return nil }
            }
        } catch {
            throw SourceError(input: path, offset: lineNumber + 1, unit: "line", message: error.message)
        }
        return record
    }

    private func nextCaptured() throws(SourceError) -> RawRecord? {
        let recordOffset = input.offset
        let lengthWord: UInt32?
        do { lengthWord = try input.readUInt32(what: "record length") } catch {
            throw SourceError(input: path, offset: recordOffset, message: error.message)
        }
        guard let lengthWord else { return nil }
        guard let length = Int(exactly: lengthWord), length <= Self.maxCapturedRecord else {
            throw SourceError(input: path, offset: recordOffset, message: "record length \(lengthWord) is implausible; file corrupt?")
        }
        // Read in pieces: a damaged length must not allocate a gigabyte before the file ends.
        var body: [UInt8] = []
        while body.count < length {
            let want = min(length - body.count, 1 << 20)
            let read = input.read(want, into: &chunk)
            body.append(contentsOf: chunk.prefix(read))
            if read < want { break }
        }
        if let failure = input.failure { throw SourceError(input: path, offset: recordOffset, message: failure.message) }
        guard body.count == length else {
            throw SourceError(input: path, offset: recordOffset, message: "truncated record: \(body.count) of \(length) bytes")
        }
        do {
            return try CaptureFile.decodeBody(body, name: "\(path) record at byte \(recordOffset)")
        } catch {
            throw SourceError(input: path, offset: recordOffset, message: "\(error)")
        }
    }
}

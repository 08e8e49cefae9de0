#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirCore

/// Reads a replay file one record at a time with bounded memory: a line per record for
/// CSV and JSON lines (origin offset = 1-based line number), or framed records of a
/// capture file (origin = where the record was captured). `-` reads standard input.
public final class FileRecordReader {
    public let path: String
    public let format: FileSourceSpec.Format
    private let file: UnsafeMutablePointer<FILE>
    private var lineBuffer: UnsafeMutablePointer<CChar>?
    private var lineCapacity = 0
    private var lineNumber: Int64 = 0
    private var byteOffset: Int64 = 0

    public init(path: String, format: FileSourceSpec.Format) throws(SourceError) {
        self.path = path
        self.format = format
        let opened = path == "-" ? fdopen(dup(STDIN_FILENO), "r") : fopen(path, "r")
        guard let opened else {
            throw SourceError(input: path, offset: nil, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        file = opened
        setvbuf(file, nil, _IOFBF, 1 << 20)
        if format == .capture {
            var magic = [UInt8](repeating: 0, count: CaptureFile.magic.count)
            let read = fread(&magic, 1, magic.count, file)
            guard read == magic.count, magic == CaptureFile.magic else {
                // deinit closes the file: every stored property is set, so it runs.
                throw SourceError(input: path, offset: 0, message: "not a Weir capture file (expected magic WEIRCAP1)")
            }
            byteOffset = Int64(magic.count)
        }
    }

    deinit {
        free(lineBuffer)
        fclose(file)
    }

    /// The next record, or nil at the end of the file.
    public func next() throws(SourceError) -> RawRecord? {
        switch format {
        case .lines: return nextLine()
        case .capture: return try nextCaptured()
        }
    }

    private func nextLine() -> RawRecord? {
        while true {
            let length = getline(&lineBuffer, &lineCapacity, file)
            guard length >= 0, let lineBuffer else { return nil }
            lineNumber += 1
            var count = length
            if count > 0, lineBuffer[count - 1] == 0x0A { count -= 1 }
            if count > 0, lineBuffer[count - 1] == 0x0D { count -= 1 }
            if count == 0 { continue } // blank lines carry no record
            let bytes = UnsafeRawBufferPointer(start: lineBuffer, count: count)
            return RawRecord(key: nil, value: Array(bytes),
                             origin: RecordOrigin(topic: path, partition: 0, offset: lineNumber))
        }
    }

    private func nextCaptured() throws(SourceError) -> RawRecord? {
        var lengthBytes = [UInt8](repeating: 0, count: 4)
        let got = fread(&lengthBytes, 1, 4, file)
        if got == 0 { return nil }
        guard got == 4 else {
            throw SourceError(input: path, offset: byteOffset, message: "truncated record length (\(got) of 4 bytes)")
        }
        let length = Int(UInt32(lengthBytes[0]) | UInt32(lengthBytes[1]) << 8 | UInt32(lengthBytes[2]) << 16 | UInt32(lengthBytes[3]) << 24)
        guard length <= 1 << 30 else {
            throw SourceError(input: path, offset: byteOffset, message: "record length \(length) is implausible; file corrupt?")
        }
        var body = [UInt8](repeating: 0, count: length)
        let read = fread(&body, 1, length, file)
        guard read == length else {
            throw SourceError(input: path, offset: byteOffset, message: "truncated record: \(read) of \(length) bytes")
        }
        let recordOffset = byteOffset
        byteOffset += Int64(4 + length)
        do {
            return try CaptureFile.decodeBody(body, name: "\(path) record at byte \(recordOffset)")
        } catch {
            throw SourceError(input: path, offset: recordOffset, message: "\(error)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirCore
import WeirKafka

/// Appends each result's value as one line to a file (JSON lines), or to standard output.
/// Writes are buffered; `flush` pushes them to the file and fsyncs it, which the pipeline
/// does before it commits input offsets.
public final class FileSink: EventSink {
    public let name: String
    public let isSynchronous = true
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool

    /// Opens `path` for appending (created when missing).
    public init(path: String) throws(SinkFailure) {
        guard let file = fopen(path, "a") else {
            throw SinkFailure(sink: "file:\(path)", message: "cannot open for writing: \(String(cString: strerror(errno)))")
        }
        self.file = file
        self.ownsFile = true
        self.name = "file:\(path)"
        setvbuf(file, nil, _IOFBF, 1 << 20)
    }

    /// Writes to standard output.
    public init(standardOutput: Void = ()) {
        self.file = fdopen(dup(STDOUT_FILENO), "w")!
        self.ownsFile = false
        setvbuf(file, nil, _IOFBF, 1 << 16)
        self.name = "stdout"
    }

    public func write(_ message: OutgoingMessage, token: UInt64) throws(SinkFailure) {
        try writeLine(message.value ?? [])
    }

    func writeLine(_ bytes: [UInt8]) throws(SinkFailure) {
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count, fputc(0x0A, file) != EOF else {
            throw SinkFailure(sink: name, message: "write failed: \(String(cString: strerror(errno)))")
        }
    }

    public func flush() throws(SinkFailure) {
        guard fflush(file) == 0 else {
            throw SinkFailure(sink: name, message: "flush failed: \(String(cString: strerror(errno)))")
        }
        if ownsFile { _ = fsync(fileno(file)) }
    }

    public func close() throws(SinkFailure) {
        try flush()
        if ownsFile { fclose(file) }
    }
}

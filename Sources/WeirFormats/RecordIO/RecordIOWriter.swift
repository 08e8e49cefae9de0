#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes RecordIO frames as SageMaker's Python SDK does: one frame per record (flag 0,
/// never split), zero padding to a multiple of 4 bytes.
public final class RecordIOWriter {
    public let path: String
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool

    /// Creates or truncates `path` (`-` writes to standard output).
    public init(path: String) throws(FormatError) {
        self.path = path
        if path == "-" {
            file = fdopen(dup(STDOUT_FILENO), "w")
        } else {
            guard let opened = fopen(path, "w") else {
                throw FormatError(input: path, .none, "cannot open for writing: \(String(cString: strerror(errno)))")
            }
            file = opened
        }
        ownsFile = true
        setvbuf(file, nil, _IOFBF, 1 << 20)
    }

    deinit {
        if ownsFile { fclose(file) }
    }

    /// The frame of one payload, as bytes (for building requests in memory).
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        precondition(payload.count < 1 << 29, "a RecordIO record holds less than 512 MiB")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 12)
        withUnsafeBytes(of: RecordIOReader.magic.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: payload)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4))
        return bytes
    }

    public func append(_ payload: [UInt8]) throws(FormatError) {
        let bytes = Self.frame(payload)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))")
        }
    }

    public func close() throws(FormatError) {
        guard fflush(file) == 0 else {
            throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Writes RecordIO frames as SageMaker's Python SDK does: one frame per record (flag 0,
/// never split), zero padding to a multiple of 4 bytes.
public final class RecordIOWriter {
    public var path: String { output.path }
    private let output: TextOutput

    /// Creates or truncates `path` (`-` writes to standard output).
    public init(path: String) throws(FormatError) {
        output = try TextOutput(path: path)
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

    /// The largest payload a frame's 29-bit length holds.
    public static let maximumPayload = (1 << 29) - 1

    public func append(_ payload: [UInt8]) throws(FormatError) {
        guard payload.count <= Self.maximumPayload else {
            throw FormatError(input: path, .none, "a record of \(payload.count) bytes exceeds RecordIO's limit of \(Self.maximumPayload) bytes per record (write it sparse or as float32)")
        }
        try output.write(Self.frame(payload))
    }

    public func close() throws(FormatError) {
        try output.flush()
    }
}

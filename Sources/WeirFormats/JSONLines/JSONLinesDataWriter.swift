#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirCore

/// Writes rows as SageMaker JSON lines: `{"features":[...],"label":[...]}` for dense rows,
/// `{"data":{"features":{"values":[...],"keys":[...],"shape":[n]}},"label":[...]}` for
/// sparse ones; missing values as null.
public final class JSONLinesDataWriter {
    public let path: String
    private let file: UnsafeMutablePointer<FILE>

    public init(path: String) throws(FormatError) {
        self.path = path
        guard let opened = path == "-" ? fdopen(dup(STDOUT_FILENO), "w") : fopen(path, "w") else {
            throw FormatError(input: path, .none, "cannot open for writing: \(String(cString: strerror(errno)))")
        }
        file = opened
        setvbuf(file, nil, _IOFBF, 1 << 20)
    }

    deinit { fclose(file) }

    /// The JSON object of one row (also what `weir inspect` prints).
    public static func object(_ row: DataRow) -> JSONObject {
        var object = JSONObject()
        switch row.features {
        case .dense(let values):
            object.set("features", .array(values.map(JSONValue.number)))
        case .sparse(let indices, let values, let dimension):
            let tensor = JSONObject([("values", .array(values.map(JSONValue.number))),
                                     ("keys", .array(indices.map { .number(Double($0)) })),
                                     ("shape", .array([.number(Double(dimension))]))])
            object.set("data", .object(JSONObject([("features", .object(tensor))])))
        }
        if !row.label.isEmpty { object.set("label", .array(row.label.map(JSONValue.number))) }
        return object
    }

    public func append(_ row: DataRow) throws(FormatError) {
        var bytes = JSONWriter.bytes(of: .object(Self.object(row)))
        bytes.append(0x0A)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))")
        }
    }

    public func close() throws(FormatError) {
        guard fflush(file) == 0 else { throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))") }
    }
}

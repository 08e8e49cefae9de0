#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes libsvm text: the label (comma-separated when several; 0 when unlabelled), then
/// the non-zero features as 1-based `index:value`.
public final class LibSVMWriter {
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

    public func append(_ row: DataRow) throws(FormatError) {
        var text = row.label.isEmpty ? "0" : row.label.map(NumberText.format).joined(separator: ",")
        switch row.features {
        case .dense(let values):
            for (index, value) in values.enumerated() where value != 0 { text += " \(index + 1):\(NumberText.format(value))" }
        case .sparse(let indices, let values, _):
            for (index, value) in zip(indices, values) { text += " \(index + 1):\(NumberText.format(value))" }
        }
        guard fputs(text + "\n", file) >= 0 else {
            throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))")
        }
    }

    public func close() throws(FormatError) {
        guard fflush(file) == 0 else { throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))") }
    }
}

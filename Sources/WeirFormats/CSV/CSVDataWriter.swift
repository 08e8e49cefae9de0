#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes rows as SageMaker CSV: label values first (none when unlabelled), then every
/// feature (sparse rows written out densely), numbers in their shortest exact form.
public final class CSVDataWriter {
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
        let text = (row.label + row.features.denseValues).map(NumberText.format).joined(separator: ",") + "\n"
        guard fputs(text, file) >= 0 else {
            throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))")
        }
    }

    public func close() throws(FormatError) {
        guard fflush(file) == 0 else { throw FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))") }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered output file (or standard output for `-`) whose write errors name the path:
/// what every writer here writes through.
public final class TextOutput {
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

    public func write(_ bytes: [UInt8]) throws(FormatError) {
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw failure() }
    }

    public func write(_ text: String) throws(FormatError) {
        guard fputs(text, file) >= 0 else { throw failure() }
    }

    public func flush() throws(FormatError) {
        guard fflush(file) == 0 else { throw failure() }
    }

    private func failure() -> FormatError {
        FormatError(input: path, .none, "write failed: \(String(cString: strerror(errno)))")
    }
}

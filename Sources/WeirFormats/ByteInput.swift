#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered, forward-only byte stream over a file, a FIFO or standard input (`-`): what
/// every reader here consumes, so that Pipe mode (no seeking) and multi-GB files (bounded
/// memory) work the same way. It tracks the byte offset for error messages.
public final class ByteInput {
    public let name: String
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool
    /// Bytes consumed so far.
    public private(set) var offset: Int64 = 0
    private var lineBuffer: UnsafeMutablePointer<CChar>?
    private var lineCapacity = 0

    public init(path: String) throws(FormatError) {
        name = path
        if path == "-" {
            file = fdopen(dup(STDIN_FILENO), "r")
            ownsFile = true
        } else {
            guard let opened = fopen(path, "r") else {
                throw FormatError(input: path, .none, "cannot open: \(String(cString: strerror(errno)))")
            }
            file = opened
            ownsFile = true
        }
        setvbuf(file, nil, _IOFBF, 1 << 20)
    }

    deinit {
        free(lineBuffer)
        if ownsFile { fclose(file) }
    }

    /// Exactly `count` bytes, or nil at a clean end of input (no byte left). A partial read
    /// is reported by `read(_:into:)` returning fewer bytes.
    public func read(_ count: Int, into buffer: inout [UInt8]) -> Int {
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        let got = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, file) }
        offset += Int64(got)
        return got
    }

    /// `prefix` followed by up to `count` bytes read from the input, in one new array (no
    /// zero fill, no second copy); fewer bytes than `count` mean the input ended.
    public func read(_ count: Int, after prefix: ArraySlice<UInt8>) -> (bytes: [UInt8], got: Int) {
        var got = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: prefix.count + count) { buffer, initialized in
            let base = buffer.baseAddress!
            prefix.withUnsafeBufferPointer { source in
                if let start = source.baseAddress { base.update(from: start, count: source.count) }
            }
            got = fread(base + prefix.count, 1, count, file)
            initialized = prefix.count + got
        }
        offset += Int64(got)
        return (bytes, got)
    }

    /// A little-endian UInt32, nil at a clean end of input, or an error for a partial one.
    public func readUInt32(what: String) throws(FormatError) -> UInt32? {
        var word: UInt32 = 0
        let start = offset
        let got = withUnsafeMutableBytes(of: &word) { fread($0.baseAddress, 1, 4, file) }
        offset += Int64(got)
        if got == 0 { return nil }
        guard got == 4 else { throw FormatError(input: name, .byte(start), "truncated \(what): \(got) of 4 bytes") }
        return UInt32(littleEndian: word)
    }

    /// Skips `count` bytes (padding), failing if the input ends first.
    public func skip(_ count: Int, what: String) throws(FormatError) {
        guard count > 0 else { return }
        var scratch = [UInt8](repeating: 0, count: count)
        let start = offset
        let got = read(count, into: &scratch)
        guard got == count else { throw FormatError(input: name, .byte(start), "truncated \(what): \(got) of \(count) bytes") }
    }

    /// The next line without its line ending, or nil at the end of input. The bytes are
    /// valid until the next call.
    public func readLine(_ body: (UnsafeBufferPointer<UInt8>) throws(FormatError) -> Void) throws(FormatError) -> Bool {
        let length = getline(&lineBuffer, &lineCapacity, file)
        guard length >= 0, let lineBuffer else { return false }
        offset += Int64(length)
        var count = length
        if count > 0, lineBuffer[count - 1] == 0x0A { count -= 1 }
        if count > 0, lineBuffer[count - 1] == 0x0D { count -= 1 }
        let bytes = UnsafeRawPointer(lineBuffer).assumingMemoryBound(to: UInt8.self)
        try body(UnsafeBufferPointer(start: bytes, count: count))
        return true
    }
}

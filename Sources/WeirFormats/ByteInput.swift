#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered, forward-only byte stream over a file, a FIFO or standard input (`-`): what
/// every reader here consumes, so that Pipe mode (no seeking) and multi-GB files (bounded
/// memory) work the same way. Gzip data (found by its magic bytes, whatever the name) is
/// inflated on the fly, so every format reads compressed too. It tracks the byte offset
/// (of the inflated data) for error messages.
public final class ByteInput {
    public let name: String
    private let source: DescriptorReader
    /// Bytes consumed so far.
    public private(set) var offset: Int64 = 0
    /// The longest line `readLine` accepts (64 MiB by default): a longer one is an error
    /// naming its offset, so a file without line breaks cannot take all memory.
    public var maxLineBytes = 1 << 26
    /// Bytes read ahead by `readLine` and not consumed yet; block reads take them first.
    private var chunk: UnsafeMutablePointer<UInt8>?
    private var chunkStart = 0, chunkEnd = 0
    private static let chunkCapacity = 1 << 16
    /// A line that spans chunks, gathered here.
    private var longLine: [UInt8] = []
    /// Whether the first bytes were looked at for gzip's magic; `inflater` is set if found.
    private var sniffed = false
    private var inflater: GzipInflater?
    /// Why the input stopped before its end (damaged or truncated gzip data, a read error):
    /// readers check it when input runs short, so damage is never taken for a clean end.
    public private(set) var failure: FormatError?

    public init(path: String) throws(FormatError) {
        name = path
        let descriptor = path == "-" ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FormatError(input: path, .none, "cannot open: \(String(cString: strerror(errno)))")
        }
        source = DescriptorReader(descriptor: descriptor)
    }

    deinit {
        chunk?.deallocate()
    }

    /// Exactly `count` bytes, or nil at a clean end of input (no byte left). A partial read
    /// is reported by `read(_:into:)` returning fewer bytes.
    public func read(_ count: Int, into buffer: inout [UInt8]) -> Int {
        guard count > 0 else { return 0 }
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        let got = buffer.withUnsafeMutableBufferPointer { pointer in
            pointer.baseAddress.map { readRaw(into: $0, count: count) } ?? 0
        }
        offset += Int64(got)
        return got
    }

    /// `prefix` followed by up to `count` bytes read from the input, in one new array (no
    /// zero fill, no second copy); fewer bytes than `count` mean the input ended.
    public func read(_ count: Int, after prefix: ArraySlice<UInt8>) -> (bytes: [UInt8], got: Int) {
        var got = 0
        guard count > 0 else { return (Array(prefix), 0) }
        let bytes = [UInt8](unsafeUninitializedCapacity: prefix.count + count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            prefix.withUnsafeBufferPointer { source in
                if let start = source.baseAddress { base.update(from: start, count: source.count) }
            }
            got = readRaw(into: base + prefix.count, count: count)
            initialized = prefix.count + got
        }
        offset += Int64(got)
        return (bytes, got)
    }

    /// A little-endian UInt32, nil at a clean end of input, or an error for a partial one.
    public func readUInt32(what: String) throws(FormatError) -> UInt32? {
        var word: UInt32 = 0
        let start = offset
        let got = withUnsafeMutableBytes(of: &word) { bytes in
            bytes.baseAddress.map { readRaw(into: $0.assumingMemoryBound(to: UInt8.self), count: 4) } ?? 0
        }
        offset += Int64(got)
        if got < 4 { try checkFailure() }
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
        if got < count { try checkFailure() }
        guard got == count else { throw FormatError(input: name, .byte(start), "truncated \(what): \(got) of \(count) bytes") }
    }

    /// Up to `count` bytes into `destination`: those `readLine` read ahead first, then the file.
    /// Skips a UTF-8 byte-order mark (EF BB BF) at the very start of the input, which some
    /// editors write and no text format here means as data; text readers call it before
    /// anything else. The mark counts in `offset`, so byte positions stay the file's.
    public func skipByteOrderMark() {
        sniff()
        guard offset == 0, chunkStart == 0 else { return }
        let chunk = chunkBuffer()
        // Plain data is read ahead by `sniff`; inflated data is not yet.
        if chunkEnd == 0 { chunkEnd = pull(into: chunk, count: Self.chunkCapacity, fully: false) }
        if chunkEnd >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF {
            chunkStart = 3
            offset = 3
        }
    }

    /// Everything left in the input, failing on damage or past `limit` bytes.
    public func readAll(limit: Int = Int.max) throws(FormatError) -> [UInt8] {
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = read(block.count, into: &block)
            try checkFailure()
            guard got <= limit - bytes.count else {
                throw FormatError(input: name, .none, "more than \(limit) bytes; too large to read whole")
            }
            bytes.append(contentsOf: block.prefix(got))
            if got < block.count { return bytes }
        }
    }

    /// Throws `failure` if the input stopped early; readers call it where input runs short.
    public func checkFailure() throws(FormatError) {
        if let failure { throw failure }
    }

    private func chunkBuffer() -> UnsafeMutablePointer<UInt8> {
        if let chunk { return chunk }
        let made = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.chunkCapacity)
        chunk = made
        return made
    }

    /// Looks at the first bytes once: gzip's magic (1F 8B) switches reads to the inflater;
    /// anything else stays read ahead in the chunk.
    private func sniff() {
        guard !sniffed else { return }
        sniffed = true
        let chunk = chunkBuffer()
        chunkStart = 0
        // Two bytes decide (a pipe may deliver one at first); what was read stays read ahead.
        chunkEnd = source.readSome(into: chunk, count: Self.chunkCapacity)
        while chunkEnd == 1 {
            let more = source.readSome(into: chunk + 1, count: Self.chunkCapacity - 1)
            if more == 0 { break }
            chunkEnd += more
        }
        noteReadError()
        guard chunkEnd >= 2, chunk[0] == 0x1F, chunk[1] == 0x8B else { return }
        guard let made = GzipInflater(source: source, prefix: UnsafeBufferPointer(start: chunk, count: chunkEnd)) else {
            failure = FormatError(input: name, .none, "gzip data, and zlib could not start inflating it")
            chunkEnd = 0
            return
        }
        inflater = made
        chunkEnd = 0
    }

    /// Bytes from the source (the file, or its inflated data), past the chunk: `count` of
    /// them when `fully` (fewer only at the end), else what is there, at least one unless
    /// the input has ended (so a live pipe's lines are not held back).
    private func pull(into destination: UnsafeMutablePointer<UInt8>, count: Int, fully: Bool) -> Int {
        guard failure == nil else { return 0 }
        let got: Int
        if let inflater {
            got = inflater.read(into: destination, count: count, fully: fully)
            if got < count, let message = inflater.failure {
                failure = FormatError(input: name, .none, message)
            }
        } else {
            got = fully ? source.readFully(into: destination, count: count) : source.readSome(into: destination, count: count)
        }
        noteReadError()
        return got
    }

    private func noteReadError() {
        guard failure == nil, source.errorNumber != 0 else { return }
        failure = FormatError(input: name, .byte(offset), "read error: \(String(cString: strerror(source.errorNumber)))")
    }

    private func readRaw(into destination: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        sniff()
        let buffered = min(count, chunkEnd - chunkStart)
        if buffered > 0, let chunk {
            destination.update(from: chunk + chunkStart, count: buffered)
            chunkStart += buffered
        }
        guard count > buffered else { return buffered }
        return buffered + pull(into: destination + buffered, count: count - buffered, fully: true)
    }

    /// The next line without its line ending (LF or CRLF), or nil at the end of input. The
    /// bytes are valid until the next call. A line longer than `maxLineBytes` is an error
    /// naming the offset it starts at, found before more than that is held.
    public func readLine(_ body: (UnsafeBufferPointer<UInt8>) throws(FormatError) -> Void) throws(FormatError) -> Bool {
        sniff()
        let chunk = chunkBuffer()
        let lineStart = offset
        longLine.removeAll(keepingCapacity: true)
        while true {
            if chunkStart < chunkEnd, let found = memchr(chunk + chunkStart, 0x0A, chunkEnd - chunkStart) {
                let end = UnsafeMutableRawPointer(found).assumingMemoryBound(to: UInt8.self) - chunk
                let piece = UnsafeBufferPointer(start: chunk + chunkStart, count: end - chunkStart)
                chunkStart = end + 1
                guard longLine.count + piece.count <= maxLineBytes else { throw lineTooLong(lineStart) }
                offset += Int64(longLine.count + piece.count + 1)
                if longLine.isEmpty { try deliver(piece, body) } else {
                    longLine.append(contentsOf: piece)
                    try longLine.withUnsafeBufferPointer { (line) throws(FormatError) in try deliver(line, body) }
                }
                return true
            }
            // No line break in what is buffered: keep it and read on.
            if chunkStart < chunkEnd {
                guard longLine.count + (chunkEnd - chunkStart) <= maxLineBytes else { throw lineTooLong(lineStart) }
                longLine.append(contentsOf: UnsafeBufferPointer(start: chunk + chunkStart, count: chunkEnd - chunkStart))
            }
            chunkStart = 0
            chunkEnd = pull(into: chunk, count: Self.chunkCapacity, fully: false)
            if chunkEnd == 0 {
                // The end of input: a last line without a line break, or nothing.
                try checkFailure()
                guard !longLine.isEmpty else { return false }
                offset += Int64(longLine.count)
                try longLine.withUnsafeBufferPointer { (line) throws(FormatError) in try deliver(line, body) }
                return true
            }
        }
    }

    /// Calls `body` with `line` less a trailing CR.
    private func deliver(_ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(FormatError) -> Void) throws(FormatError) {
        var line = line
        if let last = line.last, last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        try body(line)
    }

    private func lineTooLong(_ start: Int64) -> FormatError {
        FormatError(input: name, .byte(start), "a line longer than \(maxLineBytes) bytes starts here (maxLineBytes)")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Inflates gzip data read from a file descriptor, member after member as `gzip -d` does for
/// concatenated files, so a `.gz` input (SageMaker's `CompressionType: Gzip`) reads like a
/// plain one. Damage is reported in `failure` with the compressed byte it was found at.
final class GzipInflater {
    /// Heap-allocated: zlib keeps a pointer back to the stream, so it must not move.
    private let stream: UnsafeMutablePointer<z_stream>
    private let source: DescriptorReader
    private let buffer: UnsafeMutablePointer<UInt8>
    private static let bufferCapacity = 1 << 16
    /// Compressed bytes consumed so far (those before the buffer's unread part).
    private var consumed: Int64 = 0
    /// Where the current member started, for messages about it.
    private var memberStart: Int64 = 0
    /// The last member ended and no byte of another one has been inflated.
    private var betweenMembers = false
    /// Inflated bytes of the current member: none yet after a member means trailing data.
    private var memberProduced = 0
    private var finished = false
    /// Why inflating stopped early: damaged or truncated data, named by compressed byte.
    private(set) var failure: String?

    /// `prefix` holds the bytes already read from `source` (at least the two magic bytes).
    init?(source: DescriptorReader, prefix: UnsafeBufferPointer<UInt8>) {
        guard prefix.count <= Self.bufferCapacity, let prefixStart = prefix.baseAddress else { return nil }
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        buffer = .allocate(capacity: Self.bufferCapacity)
        self.source = source
        buffer.update(from: prefixStart, count: prefix.count)
        // 15 window bits + 16: gzip framing only, its header and CRC checked by zlib.
        guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            buffer.deallocate()
            return nil
        }
        stream.pointee.next_in = buffer
        stream.pointee.avail_in = UInt32(prefix.count)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        buffer.deallocate()
    }

    /// Up to `count` inflated bytes into `destination`: all of them when `fully` (fewer only
    /// at the end of the data or on a failure, which `failure` then names), else returning
    /// once something is inflated and more would wait for input.
    func read(into destination: UnsafeMutablePointer<UInt8>, count: Int, fully: Bool) -> Int {
        var produced = 0
        while produced < count && !finished {
            if betweenMembers {
                // Zero padding after the last member (tape blocks) is ignored, as gzip does.
                skipZeroBytes()
                if stream.pointee.avail_in == 0 {
                    if !fully && produced > 0 { break }
                    if !refill() { break }
                    continue
                }
                inflateReset(stream)
                memberStart = consumed
                memberProduced = 0
                betweenMembers = false
            }
            let room = UInt32(clamping: count - produced)
            stream.pointee.next_out = destination + produced
            stream.pointee.avail_out = room
            let before = stream.pointee.avail_in
            let status = inflate(stream, Z_NO_FLUSH)
            consumed += Int64(before - stream.pointee.avail_in)
            produced += Int(room - stream.pointee.avail_out)
            memberProduced += Int(room - stream.pointee.avail_out)
            switch status {
            case Z_OK: continue
            case Z_STREAM_END: betweenMembers = true
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                // No progress without more input (output zlib still held came out above).
                if !fully && produced > 0 { return produced }
                if !refill() { return produced }
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                if memberStart > 0 && memberProduced == 0 {
                    fail("the bytes after the gzip data's end (compressed byte \(memberStart)) are not gzip data (\(detail))")
                } else {
                    fail("damaged gzip data at compressed byte \(consumed), in the member that starts at byte \(memberStart) (\(detail))")
                }
            }
        }
        return produced
    }

    /// Reads more compressed bytes; false at the end of the file (a clean end only between members).
    private func refill() -> Bool {
        let got = source.readSome(into: buffer, count: Self.bufferCapacity)
        if got == 0 {
            if source.errorNumber != 0 {
                fail("read error at compressed byte \(consumed): \(String(cString: strerror(source.errorNumber)))")
            } else if !betweenMembers {
                fail("the gzip data ends early at compressed byte \(consumed), inside the member that starts at byte \(memberStart) (truncated file?)")
            }
            finished = true
            return false
        }
        stream.pointee.next_in = buffer
        stream.pointee.avail_in = UInt32(got)
        return true
    }

    private func skipZeroBytes() {
        while stream.pointee.avail_in > 0, let next = stream.pointee.next_in, next.pointee == 0 {
            stream.pointee.next_in = next + 1
            stream.pointee.avail_in -= 1
            consumed += 1
        }
    }

    private func fail(_ message: String) {
        if failure == nil { failure = message }
        finished = true
    }
}

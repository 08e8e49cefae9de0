#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file descriptor with read(2): `readSome` returns what one call gives, so lines
/// from a live pipe (`tail -f | weir replay -i -`) arrive as they are written; `readFully`
/// loops for block readers. A read error is kept in `errorNumber` and reads as the end.
final class DescriptorReader {
    let descriptor: Int32
    private(set) var errorNumber: Int32 = 0

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes from one read (retried on EINTR); 0 at the end or on an error.
    func readSome(into destination: UnsafeMutableRawPointer, count: Int) -> Int {
        guard count > 0, errorNumber == 0 else { return 0 }
        while true {
            let got = read(descriptor, destination, count)
            if got >= 0 { return got }
            guard errno == EINTR else {
                errorNumber = errno
                return 0
            }
        }
    }

    /// `count` bytes, fewer only at the end of the input or on an error.
    func readFully(into destination: UnsafeMutableRawPointer, count: Int) -> Int {
        var total = 0
        while total < count {
            let got = readSome(into: destination + total, count: count - total)
            if got == 0 { break }
            total += got
        }
        return total
    }
}

/// An IPv4 or IPv6 address as 128 bits. IPv4 addresses are held in their IPv4-mapped
/// IPv6 form (`::ffff:a.b.c.d`), so `::ffff:10.0.0.1` and `10.0.0.1` are the same address.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The upper and lower 64 bits, network order (the first group is the top of `high`).
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(ipv4: UInt32) {
        high = 0
        low = 0x0000_FFFF_0000_0000 | UInt64(ipv4)
    }

    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The IPv4 address as a 32-bit number; meaningful only when `isIPv4`.
    public var ipv4: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::`, an embedded IPv4 tail,
    /// optional `[...]` brackets and a `%zone` suffix); nil for anything else.
    public init?(_ text: some StringProtocol) {
        // Native strings are contiguous UTF-8: parsed in place, without a copy.
        let parsed = text.utf8.withContiguousStorageIfAvailable { IPAddress(utf8: $0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { IPAddress(utf8: $0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses the address in `bytes` (see `init?(_:)`) without allocating.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        if start < end, bytes[start] == UInt8(ascii: "["), bytes[end - 1] == UInt8(ascii: "]") {
            start += 1
            end -= 1
        }
        var hasColon = false
        for index in start..<end {
            if bytes[index] == UInt8(ascii: "%") { end = index; break }
            if bytes[index] == UInt8(ascii: ":") { hasColon = true }
        }
        guard start < end else { return nil }
        let body = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if !hasColon {
            guard let value = Self.parseIPv4(body) else { return nil }
            self.init(ipv4: value)
        } else {
            guard let (high, low) = Self.parseIPv6(body) else { return nil }
            self.init(high: high, low: low)
        }
    }

    static func parseIPv4(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                // A leading zero followed by more digits is ambiguous (octal in some parsers): rejected.
                guard digits < 3, !(digits == 1 && octet == 0) else { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                guard octet <= 255 else { return nil }
                digits += 1
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    static func parseIPv6(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var seenGap = false
        var index = 0
        let count = bytes.count
        if count >= 2, bytes[0] == UInt8(ascii: ":"), bytes[1] == UInt8(ascii: ":") {
            seenGap = true
            index = 2
        } else if count >= 1, bytes[0] == UInt8(ascii: ":") {
            return nil
        }
        while index < count {
            // One group: hex digits, or a dotted IPv4 tail.
            var groupEnd = index
            var isDotted = false
            while groupEnd < count, bytes[groupEnd] != UInt8(ascii: ":") {
                if bytes[groupEnd] == UInt8(ascii: ".") { isDotted = true }
                groupEnd += 1
            }
            guard groupEnd > index else { return nil }
            if isDotted {
                guard groupEnd == count, let v4 = parseIPv4(UnsafeBufferPointer(rebasing: bytes[index..<groupEnd])) else { return nil }
                let parts = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if seenGap { tail += parts } else { head += parts }
                index = groupEnd
                break
            }
            guard groupEnd - index <= 4 else { return nil }
            var group: UInt16 = 0
            for position in index..<groupEnd {
                guard let digit = hexDigit(bytes[position]) else { return nil }
                group = group << 4 | UInt16(digit)
            }
            if seenGap { tail.append(group) } else { head.append(group) }
            index = groupEnd
            if index < count {
                // At a colon: a single one separates groups, a double one is the gap.
                index += 1
                if index < count, bytes[index] == UInt8(ascii: ":") {
                    guard !seenGap else { return nil }
                    seenGap = true
                    index += 1
                } else if index == count {
                    return nil
                }
            }
        }
        let total = head.count + tail.count
        if seenGap { guard total <= 7 else { return nil } } else { guard total == 8 else { return nil } }
        let groups = head + [UInt16](repeating: 0, count: 8 - total) + tail
        var high: UInt64 = 0, low: UInt64 = 0
        for position in 0..<4 { high = high << 16 | UInt64(groups[position]) }
        for position in 4..<8 { low = low << 16 | UInt64(groups[position]) }
        return (high, low)
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The address with all but its first `bits` bits (of 128) cleared.
    public func masked(toPrefix bits: Int) -> IPAddress {
        if bits <= 0 { return IPAddress(high: 0, low: 0) }
        if bits >= 128 { return self }
        if bits <= 64 {
            return IPAddress(high: bits == 64 ? high : high & ~(UInt64.max >> UInt64(bits)), low: 0)
        }
        return IPAddress(high: high, low: low & ~(UInt64.max >> UInt64(bits - 64)))
    }

    /// Dotted quad for IPv4, RFC 5952 text (longest zero run as `::`, lowercase) for IPv6.
    public var description: String {
        if isIPv4 {
            let v = ipv4
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        let groups = (0..<8).map { position -> UInt16 in
            let word = position < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (position % 4)))
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for position in 0...8 {
            if position < 8 && groups[position] == 0 {
                if runStart < 0 { runStart = position }
            } else if runStart >= 0 {
                if position - runStart > bestLength && position - runStart >= 2 { bestStart = runStart; bestLength = position - runStart }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirCore

/// Parsing and printing numbers in data files without going through `String`: every CSV
/// and libsvm value passes through here.
public enum NumberText {

    /// A decimal number (optional sign, digits, fraction, exponent), `nan`/`inf`/`infinity`
    /// in any case, or an empty field as NaN (a missing value); nil for anything else.
    /// Surrounding white space (including line breaks inside quoted fields) is ignored. Correctly rounded: short decimals take an exact
    /// fast path, everything else goes to `strtod`.
    public static func parseDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var start = 0, end = text.count
        while start < end, isSpace(text[start]) { start += 1 }
        while end > start, isSpace(text[end - 1]) { end -= 1 }
        if start == end { return .nan }
        var index = start
        var negative = false
        if text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
            negative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0, fractionDigits = 0, anyDigit = false
        while index < end, text[index] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(text[index] &- 0x30)
            if mantissa != 0 { digits += 1 }
            anyDigit = true
            index += 1
        }
        if index < end, text[index] == UInt8(ascii: ".") {
            index += 1
            while index < end, text[index] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(text[index] &- 0x30)
                if mantissa != 0 { digits += 1 }
                fractionDigits += 1
                anyDigit = true
                index += 1
            }
        }
        if index == end, anyDigit, digits <= 15, fractionDigits < DecimalPowers.exact.count {
            let magnitude = Double(mantissa) / DecimalPowers.exact[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        return slowParse(UnsafeBufferPointer(rebasing: text[start..<end]))
    }

    /// Reads the run of decimal digits at `start` into `mantissa` (times ten per digit,
    /// wrapping: callers bound the digit count) and returns its length. Eight bytes at a
    /// time while eight remain: one comparison finds how many of them are digits, and
    /// three multiplications add them (the SWAR method of fast_float and simdjson).
    @inline(__always)
    static func digitRun(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, into mantissa: inout UInt64) -> Int {
        var index = start
        while index &+ 8 <= bytes.count {
            let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self).littleEndian
            // The high bit of each byte that is not a digit (bytes above a non-digit may be
            // marked wrongly by borrows and carries; only the first non-digit counts).
            let marks = ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080
            let run = marks == 0 ? 8 : marks.trailingZeroBitCount / 8
            if run == 0 { break }
            // The run's digit values in the high bytes, zeros (leading zero digits) below.
            var value = (word &- 0x3030_3030_3030_3030) << UInt64(8 &* (8 &- run))
            value = (value &* 10) &+ (value >> 8)
            value = (((value & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 << 32)))
                     &+ (((value >> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 << 32)))) >> 32
            mantissa = mantissa &* power(run) &+ value
            index &+= run
            if run < 8 { return index &- start }
        }
        while index < bytes.count, bytes[index] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- 0x30)
            index &+= 1
        }
        return index &- start
    }

    /// 10^n for n in 1...8, for `digitRun` (a switch: a constant table, no lazy global).
    @inline(__always)
    private static func power(_ n: Int) -> UInt64 {
        switch n {
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        default: return 100_000_000
        }
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func slowParse(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var lowered = [UInt8](text.map { $0 | 0x20 })
        if lowered.first == UInt8(ascii: "-") || lowered.first == UInt8(ascii: "+") { lowered.removeFirst() }
        let word = String(decoding: lowered, as: UTF8.self)
        let negative = text.first == UInt8(ascii: "-")
        switch word {
        case "nan": return .nan
        case "inf", "infinity": return negative ? -.infinity : .infinity
        default: break
        }
        // strtod accepts hex floats and leading junk checks we do not want: only decimals.
        for byte in text where !(byte &- 0x30 < 10 || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                                   || byte == UInt8(ascii: "+") || byte | 0x20 == UInt8(ascii: "e")) {
            return nil
        }
        var buffer = [CChar](repeating: 0, count: text.count + 1)
        for (offset, byte) in text.enumerated() { buffer[offset] = CChar(bitPattern: byte) }
        var endPointer: UnsafeMutablePointer<CChar>?
        let value = buffer.withUnsafeMutableBufferPointer { pointer in
            let parsed = strtod(pointer.baseAddress!, &endPointer)
            return endPointer == pointer.baseAddress! + text.count ? parsed : nil
        }
        return value
    }

    public static func parseDouble(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { parseDouble($0) }
    }

    /// Shortest text that reads back as `value` (JSON's number form); NaN as `nan`.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return JSONWriter.string(of: .number(value))
    }
}

/// Serialises `JSONValue`s as compact JSON into a byte buffer. Non-finite numbers have no
/// JSON form, so they are written as `null`, which is how Weir marks a missing value.
///
/// Output is assembled in a `ByteSink` (stack memory for typical records, heap beyond),
/// because appending byte by byte to an `Array` costs a uniqueness check per byte and
/// serialisation is on every record's path.
public enum JSONWriter {
    public static func bytes(of value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    public static func string(of value: JSONValue) -> String {
        String(decoding: bytes(of: value), as: UTF8.self)
    }

    /// Appends the JSON text of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { stack in
            var sink = ByteSink(stack: stack)
            write(value, into: &sink)
            sink.drain(into: &out)
        }
    }

    /// Appends a number as `write` would print it.
    public static func writeNumber(_ number: Double, into out: inout [UInt8]) {
        write(.number(number), into: &out)
    }

    static func write(_ value: JSONValue, into out: inout ByteSink) {
        switch value {
        case .null: out.append("null")
        case .bool(let flag): out.append(flag ? "true" : "false")
        case .number(let number): writeNumber(number, into: &out)
        case .string(let text): writeString(text, into: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (position, element) in values.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for position in object.fields.indices {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeString(object.fields[position].key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(object.fields[position].value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Integers print without a fraction, short decimals as plain decimals, and other
    /// values in Swift's shortest round-trip form.
    static func writeNumber(_ number: Double, into out: inout ByteSink) {
        guard number.isFinite else {
            out.append("null")
            return
        }
        if number == number.rounded(), abs(number) < 1e15 {
            let integer = Int64(number)
            if integer == 0, number.sign == .minus {
                out.append("-0")
            } else {
                writeInteger(integer, into: &out)
            }
            return
        }
        if writeShortDecimal(number, into: &out) { return }
        var text = number.description
        text.withUTF8 { out.append($0) }
    }

    /// Writes numbers such as 12.5 or -0.037 (up to 9 fraction digits, magnitude below
    /// 1e9) as plain decimals without Swift's general formatter. The digits are the
    /// fewest that read back as exactly `number`: m / 10^k is correctly rounded when both
    /// are exact, so it equals `number` only if the text "m e-k" parses to it.
    static func writeShortDecimal(_ number: Double, into out: inout ByteSink) -> Bool {
        let magnitude = abs(number)
        guard magnitude < 1e9, magnitude >= 1e-4 else { return false }
        for digits in 1...9 {
            let power = DecimalPowers.exact[digits]
            let scaled = (magnitude * power).rounded()
            // Beyond 2^53 the scaled integer itself is inexact: leave it to the general formatter.
            guard scaled < 9_007_199_254_740_992 else { return false }
            guard scaled / power == magnitude else { continue }
            let units = UInt64(scaled)
            if number < 0 { out.append(UInt8(ascii: "-")) }
            let divisor = UInt64(power)
            writeInteger(Int64(units / divisor), into: &out)
            out.append(UInt8(ascii: "."))
            var fraction = units % divisor
            var place = divisor / 10
            for _ in 0..<digits {
                out.append(UInt8(ascii: "0") + UInt8(fraction / place))
                fraction %= place
                place /= 10
            }
            return true
        }
        return false
    }


    /// Decimal digits without going through `String` (numbers are on every record's path).
    static func writeInteger(_ value: Int64, into out: inout ByteSink) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // room for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    static func writeString(_ text: String, into out: inout ByteSink) {
        var text = text
        text.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            var plainStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
                plainStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                default:
                    out.append("\\u00")
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
            }
            out.append(UnsafeBufferPointer(rebasing: bytes[plainStart...]))
            out.append(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

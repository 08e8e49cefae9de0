import WeirCore

/// Mutations of meaning, not only of bytes: numbers become extremes and non-numbers,
/// values become null, keys repeat, nesting deepens, sizes and counts grow huge, strings
/// get invalid UTF-8, inputs are cut short. Text inputs are mutated by token; binary
/// inputs by field-sized windows, with the trailing CRC-32 recomputed when the format has
/// one so that the mutation reaches the decoder behind the checksum.
public enum InputMutator {
    /// Number spellings that break naive conversions (overflow, NaN, negative zero,
    /// subnormals, values just past integer limits).
    public static let extremeNumbers = [
        "1e300", "-1e300", "1e309", "-1e309", "9e18", "-9e18", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "4294967296", "2147483648", "-2147483649",
        "NaN", "nan", "Infinity", "-Infinity", "inf", "-0", "0", "-1", "1e-320", "4.9e-324", "0.5", "1.5e10", "67108864", "67108865",
        "1e15", "99999999999999999999999999999", "0x10", "1_000", "+5", ".", "-", "1e", "\"1\"",
    ]

    static let extremeWords: [[UInt8]] = [
        [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0x00, 0x00, 0x00, 0x80], [0xFF, 0xFF, 0xFF, 0x7F],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80], [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x7F], // NaN
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x7F], [0x00, 0x00, 0xC0, 0x7F], [0x00, 0x00, 0x80, 0x7F], // inf, float NaN/inf
        [0x00, 0x00, 0x00, 0x10], [0x00, 0x00, 0x00, 0x00], [0x01, 0x00, 0x00, 0x00], [0xE8, 0x03, 0x00, 0x00],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // a varint of 2^64 - 1
    ]

    /// A mutated copy of a text input (JSON, CSV, libsvm, YAML, access-log lines).
    public static func text(_ seed: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(1 + random.below(4)) { bytes = textStep(bytes, &random) }
        return bytes
    }

    static func textStep(_ bytes: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
        var bytes = bytes
        let numbers = numberRanges(bytes)
        switch random.below(12) {
        case 0...2 where !numbers.isEmpty: // a number becomes an extreme or a non-number
            bytes.replaceSubrange(random.pick(numbers), with: Array(random.pick(extremeNumbers).utf8))
        case 3 where !numbers.isEmpty: // a value becomes null / empty / a string / an object
            bytes.replaceSubrange(random.pick(numbers), with: Array(random.pick(["null", "", "\"x\"", "{}", "[]", "true", "[null]"]).utf8))
        case 4: // a key/value or field repeats (duplicate JSON keys, repeated CSV columns)
            if let range = randomRange(bytes, &random, maximum: 40) { bytes.insert(contentsOf: bytes[range], at: range.upperBound) }
        case 5: // deep nesting
            let depth = random.pick([64, 1_000, 20_000])
            let at = random.below(bytes.count + 1)
            bytes.insert(contentsOf: [UInt8](repeating: random.below(2) == 0 ? 0x5B : 0x7B, count: depth), at: at)
        case 6: // invalid UTF-8, NUL, a lone quote, a stray newline or CR
            let junks: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0x00], [0x22], [0x0A], [0x0D], [0x5C], [0xF4, 0x90, 0x80, 0x80]]
            let junk = random.pick(junks)
            bytes.insert(contentsOf: junk, at: random.below(bytes.count + 1))
        case 7 where bytes.count > 1: // truncation
            bytes.removeSubrange(random.below(bytes.count)..<bytes.count)
        case 8: // a region repeated many times (long lines, many columns or keys)
            if let range = randomRange(bytes, &random, maximum: 12) {
                let copies = random.pick([100, 5_000])
                let chunk = Array(bytes[range])
                var repeated: [UInt8] = []
                repeated.reserveCapacity(chunk.count * copies)
                for _ in 0..<copies { repeated.append(contentsOf: chunk) }
                bytes.insert(contentsOf: repeated, at: range.upperBound)
            }
        case 9 where !bytes.isEmpty: // one byte changed
            bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
        case 10: // lines swapped or dropped
            var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            if lines.count > 1 {
                let a = random.below(lines.count), b = random.below(lines.count)
                if random.below(2) == 0 { lines.swapAt(a, b) } else { lines.remove(at: a) }
                bytes = Array(lines.joined(separator: [0x0A]))
            }
        default: // a quoted string made huge or emptied
            if let quote = bytes.firstIndex(of: 0x22) {
                bytes.insert(contentsOf: [UInt8](repeating: 0x61, count: random.pick([0, 70_000])), at: quote + 1)
            }
        }
        return bytes
    }

    /// A mutated copy of a binary input; `checksummed`: the last four bytes are a CRC-32
    /// (little endian) of everything before them, recomputed after the mutation.
    public static func binary(_ seed: [UInt8], checksummed: Bool, _ random: inout FuzzRandom) -> [UInt8] {
        var bytes = checksummed && seed.count >= 4 ? Array(seed.dropLast(4)) : seed
        for _ in 0..<(1 + random.below(3)) {
            switch random.below(6) {
            case 0...1 where !bytes.isEmpty: // a field-sized window becomes an extreme
                let word = random.pick(extremeWords)
                let at = random.below(bytes.count)
                for (offset, byte) in word.enumerated() where at + offset < bytes.count { bytes[at + offset] = byte }
            case 2 where !bytes.isEmpty:
                bytes[random.below(bytes.count)] ^= UInt8(1) << UInt8(random.below(8))
            case 3 where bytes.count > 1:
                bytes.removeSubrange(random.below(bytes.count)..<bytes.count)
            case 4:
                bytes.insert(contentsOf: random.pick(extremeWords), at: random.below(bytes.count + 1))
            default:
                if !bytes.isEmpty { bytes.remove(at: random.below(bytes.count)) }
            }
        }
        if checksummed {
            var writer = BinaryWriter(capacity: bytes.count + 4)
            writer.append(raw: bytes)
            writer.write(CRC32.checksum(bytes))
            bytes = writer.bytes
        }
        return bytes
    }

    /// The byte ranges of number-like tokens.
    static func numberRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        for index in 0...bytes.count {
            let byte = index < bytes.count ? bytes[index] : 0x20
            let numeric = (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || ((byte == 0x2D || byte == 0x2B) && start == nil)
                || ((byte == 0x65 || byte == 0x45) && start != nil)
            if numeric {
                if start == nil { start = index }
            } else if let begin = start {
                if bytes[begin..<index].contains(where: { $0 >= 0x30 && $0 <= 0x39 }) { ranges.append(begin..<index) }
                start = nil
            }
        }
        return ranges
    }

    static func randomRange(_ bytes: [UInt8], _ random: inout FuzzRandom, maximum: Int) -> Range<Int>? {
        guard !bytes.isEmpty else { return nil }
        let start = random.below(bytes.count)
        return start..<min(bytes.count, start + 1 + random.below(maximum))
    }
}

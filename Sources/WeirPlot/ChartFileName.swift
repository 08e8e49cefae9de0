/// A file name for a key's chart that any key can have: letters, digits, `-` and `_`
/// kept, everything else `_`, short; when that loses information the name starts with `=`
/// and the key's position (`=3-a_b.svg`), which no kept name can, so names never collide.
public enum ChartFileName {
    public static func make(_ key: String, index: Int) -> String {
        let allowed = key.unicodeScalars.map { scalar -> Character in
            let value = scalar.value
            let keep = (value >= 48 && value <= 57) || (value >= 65 && value <= 90) || (value >= 97 && value <= 122) || scalar == "-" || scalar == "_"
            return keep ? Character(scalar) : "_"
        }
        let cleaned = String(allowed.prefix(80))
        let lossless = cleaned == key && !cleaned.isEmpty
        return lossless ? "\(cleaned).svg" : "=\(index + 1)-\(cleaned.isEmpty ? "key" : cleaned).svg"
    }
}

import WeirCore

/// Reads Universal Binary JSON (UBJSON, ubjson.org) into a JSON value: the format xgboost
/// 2+ writes by default (`save_model("xgboost-model")` without `.json`, `.ubj`), with its
/// typed, counted arrays (`[$d#l...`). Numbers are big-endian; every count and length is
/// checked against the bytes left before anything is allocated.
struct UBJSONReader {
    let bytes: [UInt8]
    var offset = 0
    var depth = 0
    static let maximumDepth = 256

    struct Failure: Error {
        let offset: Int
        let reason: String
    }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether `bytes` start like a UBJSON object (`{` and a key's length marker).
    static func looksLikeUBJSON(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == UInt8(ascii: "{") && Array("iUIlL}$#".utf8).contains(bytes[1])
    }

    mutating func document() throws(Failure) -> JSONValue {
        let value = try self.value()
        guard offset == bytes.count else { throw Failure(offset: offset, reason: "bytes after the document") }
        return value
    }

    private mutating func byte() throws(Failure) -> UInt8 {
        guard offset < bytes.count else { throw Failure(offset: offset, reason: "the document ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func take(_ count: Int) throws(Failure) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else { throw Failure(offset: offset, reason: "a length of \(count) runs past the end") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func bigEndian(_ count: Int) throws(Failure) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(count) { value = value << 8 | UInt64(byte) }
        return value
    }

    /// A number of the given type marker.
    private mutating func number(_ marker: UInt8) throws(Failure) -> Double {
        switch marker {
        case UInt8(ascii: "i"): return Double(Int8(bitPattern: try byte()))
        case UInt8(ascii: "U"): return Double(try byte())
        case UInt8(ascii: "I"): return Double(Int16(bitPattern: UInt16(try bigEndian(2))))
        case UInt8(ascii: "l"): return Double(Int32(bitPattern: UInt32(try bigEndian(4))))
        case UInt8(ascii: "L"): return Double(Int64(bitPattern: try bigEndian(8)))
        case UInt8(ascii: "d"): return Double(Float(bitPattern: UInt32(try bigEndian(4))))
        case UInt8(ascii: "D"): return Double(bitPattern: try bigEndian(8))
        default: throw Failure(offset: offset - 1, reason: "expected a number marker, found 0x\(String(marker, radix: 16))")
        }
    }

    /// A count or length: an integer marker and its value, non-negative.
    private mutating func count() throws(Failure) -> Int {
        let at = offset
        let value = try number(try byte())
        guard value >= 0, value <= Double(bytes.count), let count = Int(exactly: value) else {
            throw Failure(offset: at, reason: "a count of \(value) is impossible in \(bytes.count) bytes")
        }
        return count
    }

    private mutating func string() throws(Failure) -> String {
        String(decoding: try take(try count()), as: UTF8.self)
    }

    private mutating func value() throws(Failure) -> JSONValue {
        try value(marker: try byte())
    }

    private mutating func value(marker: UInt8) throws(Failure) -> JSONValue {
        switch marker {
        case UInt8(ascii: "Z"): return .null
        case UInt8(ascii: "T"): return .bool(true)
        case UInt8(ascii: "F"): return .bool(false)
        case UInt8(ascii: "S"), UInt8(ascii: "H"): return .string(try string())
        case UInt8(ascii: "C"): return .string(String(UnicodeScalar(try byte())))
        case UInt8(ascii: "["): return try container(object: false)
        case UInt8(ascii: "{"): return try container(object: true)
        default: return .number(try number(marker))
        }
    }

    /// An array or object, plain (ended by `]`/`}`) or optimised (`$` type, `#` count).
    private mutating func container(object: Bool) throws(Failure) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw Failure(offset: offset, reason: "nested deeper than \(Self.maximumDepth)") }
        var type: UInt8?
        var count: Int?
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "$") {
            offset += 1
            type = try byte()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "#") else { throw Failure(offset: offset, reason: "a typed container needs a count") }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "#") {
            offset += 1
            count = try self.count()
        }
        let end = UInt8(ascii: object ? "}" : "]")
        var items: [JSONValue] = []
        var fields: [(key: String, value: JSONValue)] = []
        if let count {
            // At least one byte per element unless typed as null/bool: checked before reserving.
            guard count <= bytes.count - offset || type == UInt8(ascii: "Z") else {
                throw Failure(offset: offset, reason: "a count of \(count) runs past the end")
            }
            if object { fields.reserveCapacity(count) } else { items.reserveCapacity(count) }
            for _ in 0..<count {
                let key = object ? try string() : ""
                let item: JSONValue
                if let type { item = try value(marker: type) } else { item = try value() }
                if object { fields.append((key, item)) } else { items.append(item) }
            }
        } else {
            while true {
                guard offset < bytes.count else { throw Failure(offset: offset, reason: "the document ends inside a container") }
                if bytes[offset] == end {
                    offset += 1
                    break
                }
                if object {
                    let key = try string()
                    fields.append((key, try value()))
                } else {
                    items.append(try value())
                }
            }
        }
        return object ? .object(JSONObject(fields)) : .array(items)
    }
}

/// Reads what `BinaryWriter` wrote, with bounds checks. Errors name the input and the
/// byte offset where it stopped making sense.
public struct BinaryReader {
    public let bytes: [UInt8]
    public let name: String
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], name: String, offset: Int = 0) {
        self.bytes = bytes
        self.name = name
        self.offset = offset
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let name: String
        public let offset: Int
        public let reason: String
        public var description: String { "\(name): at byte \(offset): \(reason)" }
    }

    public func error(_ reason: String) -> Failure {
        Failure(name: name, offset: offset, reason: reason)
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    public mutating func read<T: FixedWidthInteger>(_ type: T.Type = T.self) throws(Failure) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw error("truncated: needed \(size) bytes for \(T.self), \(remaining) left")
        }
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { target in
            for index in 0..<size { target[index] = bytes[offset + index] }
        }
        offset += size
        return T(littleEndian: value)
    }

    /// A count or size stored as a 64-bit integer: an error when it is negative or above
    /// `maximum`, so that no decoder converts or allocates from a damaged number.
    public mutating func readCount(maximum: Int = Int.max, _ what: String = "count") throws(Failure) -> Int {
        let at = offset
        let stored = try read(UInt64.self)
        guard stored <= UInt64(maximum) else {
            offset = at
            throw error("\(what) \(stored) is above \(maximum)")
        }
        return Int(stored)
    }

    public mutating func readDouble() throws(Failure) -> Double {
        Double(bitPattern: try read(UInt64.self))
    }

    public mutating func readBytes(count: Int) throws(Failure) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw error("truncated: needed \(count) bytes, \(remaining) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func readBytes() throws(Failure) -> [UInt8] {
        let count: UInt32 = try read()
        return try readBytes(count: Int(count))
    }

    public mutating func readOptionalBytes() throws(Failure) -> [UInt8]? {
        let count: Int32 = try read()
        if count == -1 { return nil }
        guard count >= 0 else { throw error("invalid length \(count)") }
        return try readBytes(count: Int(count))
    }

    public mutating func readString() throws(Failure) -> String {
        let raw = try readBytes()
        guard let text = String(validating: raw, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return text
    }

    public func expectEnd() throws(Failure) {
        if !isAtEnd { throw error("\(remaining) unexpected bytes after the end") }
    }
}

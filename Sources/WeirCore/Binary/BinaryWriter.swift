/// Appends little-endian fixed-width integers and length-prefixed byte strings: the
/// building block of Weir's binary state, snapshot and capture formats.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Double) {
        write(value.bitPattern)
    }

    /// A u32 length, then the bytes.
    public mutating func write(bytes value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// An i32 length (-1 for nil), then the bytes.
    public mutating func write(optionalBytes value: [UInt8]?) {
        guard let value else {
            write(Int32(-1))
            return
        }
        write(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func write(string: String) {
        write(bytes: Array(string.utf8))
    }

    public mutating func append(raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    public mutating func append(raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }
}

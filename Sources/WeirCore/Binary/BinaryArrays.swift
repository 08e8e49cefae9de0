/// Arrays of fixed-width numbers in Weir's binary formats: a u32 count, then the values
/// little-endian. Readers check the count against the bytes left before allocating.
extension BinaryWriter {
    public mutating func write<T: FixedWidthInteger>(array: [T]) {
        write(UInt32(array.count))
        for value in array { write(value) }
    }

    public mutating func write(floats: [Float]) {
        write(UInt32(floats.count))
        #if _endian(little)
        floats.withUnsafeBytes { append(raw: $0) }
        #else
        for value in floats { write(value.bitPattern) }
        #endif
    }

    public mutating func write(doubles: [Double]) {
        write(UInt32(doubles.count))
        for value in doubles { write(value.bitPattern) }
    }
}

extension BinaryReader {
    public mutating func readArray<T: FixedWidthInteger>(of _: T.Type = T.self) throws(Failure) -> [T] {
        let count = Int(try read(UInt32.self))
        guard count <= remaining / MemoryLayout<T>.size else {
            throw error("array of \(count) \(T.self) values is longer than the \(remaining) bytes left")
        }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(T.self)) }
        return values
    }

    public mutating func readFloats() throws(Failure) -> [Float] {
        #if _endian(little)
        let count = Int(try read(UInt32.self))
        guard count <= remaining / 4 else {
            throw error("array of \(count) Float values is longer than the \(remaining) bytes left")
        }
        let raw = try readBytes(count: count * 4)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            raw.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            }
            initialized = count
        }
        #else
        return try readArray(of: UInt32.self).map { Float(bitPattern: $0) }
        #endif
    }

    public mutating func readDoubles() throws(Failure) -> [Double] {
        try readArray(of: UInt64.self).map { Double(bitPattern: $0) }
    }
}

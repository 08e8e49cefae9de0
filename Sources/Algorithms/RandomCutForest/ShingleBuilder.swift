import WeirCore

/// Builds shingled points from a stream of base vectors: the last `size` vectors side by
/// side, oldest first. Cyclic shingling instead writes each vector into a rotating slot,
/// so a point's layout follows the phase of a period of `size` (the AWS library's
/// "internal rotation"), which lets a forest see where in a cycle a value falls.
public struct ShingleBuilder: Sendable, Equatable {
    public let baseDimensions: Int
    public let size: Int
    public let cyclic: Bool
    private var ring: [Float]
    /// The slot the next vector goes to.
    private var position = 0
    /// Vectors seen, up to `size`.
    private var filled = 0

    public init(baseDimensions: Int, size: Int, cyclic: Bool = false) {
        precondition(baseDimensions > 0 && size > 0, "a shingle needs at least one value and one vector")
        self.baseDimensions = baseDimensions
        self.size = size
        self.cyclic = cyclic
        ring = Array(repeating: 0, count: baseDimensions * size)
    }

    public var dimensions: Int { baseDimensions * size }
    /// Whether `size` vectors have been seen, so points are complete.
    public var isFull: Bool { filled == size }

    /// The point the shingle would hold after `vector`, without adding it.
    public func peek(_ vector: [Float]) -> [Float] {
        var copy = self
        copy.add(vector)
        return copy.point
    }

    public mutating func add(_ vector: [Float]) {
        precondition(vector.count == baseDimensions, "a vector of \(vector.count) values for a shingle of \(baseDimensions)")
        for offset in 0..<baseDimensions { ring[position * baseDimensions + offset] = vector[offset] }
        position = (position + 1) % size
        filled = min(filled + 1, size)
    }

    /// The current point: oldest vector first, or the slots as they are when cyclic.
    public var point: [Float] {
        if cyclic { return ring }
        return Array(ring[(position * baseDimensions)...] + ring[..<(position * baseDimensions)])
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(UInt32(baseDimensions))
        writer.write(UInt32(size))
        writer.write(UInt8(cyclic ? 1 : 0))
        writer.write(floats: ring)
        writer.write(UInt32(position))
        writer.write(UInt32(filled))
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        baseDimensions = Int(try reader.read(UInt32.self))
        size = Int(try reader.read(UInt32.self))
        cyclic = try reader.read(UInt8.self) == 1
        ring = try reader.readFloats()
        position = Int(try reader.read(UInt32.self))
        filled = Int(try reader.read(UInt32.self))
        guard baseDimensions > 0, size > 0, ring.count == baseDimensions * size, position < size, filled <= size else {
            throw reader.error("inconsistent shingle state")
        }
    }
}

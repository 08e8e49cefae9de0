import WeirCore

/// The points a forest's trees hold, stored once in Float32 and shared by every tree that
/// sampled them: a point is kept while at least one tree references it.
public final class PointStore {
    public let dimensions: Int
    private(set) var values: [Float] = []
    private var referenceCounts: [Int32] = []
    private var free: [Int32] = []

    public init(dimensions: Int, capacity: Int = 0) {
        precondition(dimensions > 0, "points need at least one dimension")
        self.dimensions = dimensions
        values.reserveCapacity(capacity * dimensions)
        referenceCounts.reserveCapacity(capacity)
    }

    /// Bytes held by the stored values and their bookkeeping.
    public var memoryBytes: Int { values.count * 4 + referenceCounts.count * 4 + free.count * 4 }

    /// Points currently stored.
    public var count: Int { referenceCounts.count - free.count }

    /// Stores `point` with no references yet; the caller adds one per tree that keeps it.
    func add(_ point: UnsafeBufferPointer<Float>) -> Int32 {
        precondition(point.count == dimensions, "a point of \(point.count) values in a store of \(dimensions) dimensions")
        if let index = free.popLast() {
            let base = Int(index) * dimensions
            for offset in 0..<dimensions { values[base + offset] = point[offset] }
            referenceCounts[Int(index)] = 0
            return index
        }
        values.append(contentsOf: point)
        referenceCounts.append(0)
        return Int32(referenceCounts.count - 1)
    }

    func retain(_ index: Int32) {
        referenceCounts[Int(index)] += 1
    }

    /// Drops a reference; the slot is reused once no tree holds the point.
    func release(_ index: Int32) {
        referenceCounts[Int(index)] -= 1
        precondition(referenceCounts[Int(index)] >= 0, "point \(index) released more often than retained")
        if referenceCounts[Int(index)] == 0 { free.append(index) }
    }

    /// Frees a point that no tree took.
    func discardIfUnreferenced(_ index: Int32) {
        if referenceCounts[Int(index)] == 0 { free.append(index) }
    }

    func referenceCount(_ index: Int32) -> Int32 { referenceCounts[Int(index)] }

    /// The stored values (point i at i × dimensions), read directly by the trees' hot loops.
    func withValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer(body)
    }

    /// Coordinate `dimension` of point `index`.
    @inline(__always)
    func coordinate(_ index: Int32, _ dimension: Int) -> Float {
        values[Int(index) * dimensions + dimension]
    }

    func point(_ index: Int32) -> ArraySlice<Float> {
        values[(Int(index) * dimensions)..<(Int(index) * dimensions + dimensions)]
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(UInt32(dimensions))
        writer.write(floats: values)
        writer.write(array: referenceCounts)
        writer.write(array: free)
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        dimensions = Int(try reader.read(UInt32.self))
        values = try reader.readFloats()
        referenceCounts = try reader.readArray()
        free = try reader.readArray()
        guard dimensions > 0, values.count == referenceCounts.count * dimensions,
              free.allSatisfy({ $0 >= 0 && Int($0) < referenceCounts.count }) else {
            throw reader.error("inconsistent point store")
        }
    }
}

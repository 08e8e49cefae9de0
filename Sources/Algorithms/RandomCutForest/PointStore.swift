import WeirCore

/// Read access to the stored points for the trees' hot loops: point i's values start at
/// its location in one value buffer, where consecutive shingles overlap.
public struct PointValues {
    let values: UnsafeBufferPointer<Float>
    let locations: UnsafeBufferPointer<Int32>

    /// Where stored point `point`'s values start.
    @inline(__always)
    func start(of point: Int32) -> UnsafePointer<Float> {
        values.baseAddress! + Int(locations[Int(point)])
    }

    /// Coordinate `dimension` of stored point `point`.
    @inline(__always)
    subscript(point: Int32, dimension: Int) -> Float {
        values[Int(locations[Int(point)]) + dimension]
    }
}

/// The points a forest's trees hold, stored once in Float32 and shared by every tree that
/// sampled them: a point is kept while at least one tree references it. When points are
/// shingles of a stream (each the previous one shifted by `shingleStep` values), a new
/// point that continues the last one stores only its `shingleStep` new values; freed
/// values are reclaimed by compaction, which keeps overlapping points overlapping.
public final class PointStore {
    public let dimensions: Int
    /// Values new in each consecutive shingle (`dimensions` when points do not overlap).
    public let shingleStep: Int
    /// The store's changing parts, behind a pointer: changed on every update, they would
    /// otherwise cost a run-time exclusivity check per access as a class's stored `var`s.
    private struct Contents {
        var values: [Float] = []
        var locations: [Int32] = []
        var referenceCounts: [Int32] = []
        var free: [Int32] = []
        /// The last point added, which the next one may continue.
        var lastAdded: Int32 = -1
        /// Values beyond which the buffer is compacted (grows with the live data).
        var compactionThreshold = 0
    }
    private let contents: UnsafeMutablePointer<Contents>

    private(set) var values: [Float] {
        _read { yield contents.pointee.values }
        _modify { yield &contents.pointee.values }
    }
    private var locations: [Int32] {
        _read { yield contents.pointee.locations }
        _modify { yield &contents.pointee.locations }
    }
    private var referenceCounts: [Int32] {
        _read { yield contents.pointee.referenceCounts }
        _modify { yield &contents.pointee.referenceCounts }
    }
    private var free: [Int32] {
        _read { yield contents.pointee.free }
        _modify { yield &contents.pointee.free }
    }
    private var lastAdded: Int32 {
        get { contents.pointee.lastAdded }
        set { contents.pointee.lastAdded = newValue }
    }
    private var compactionThreshold: Int {
        get { contents.pointee.compactionThreshold }
        set { contents.pointee.compactionThreshold = newValue }
    }

    public init(dimensions: Int, capacity: Int = 0, shingleStep: Int? = nil) {
        precondition(dimensions > 0, "points need at least one dimension")
        let step = shingleStep ?? dimensions
        precondition(step > 0 && step <= dimensions, "a shingle step of \(step) for points of \(dimensions) values")
        self.dimensions = dimensions
        self.shingleStep = step
        contents = .allocate(capacity: 1)
        contents.initialize(to: Contents())
        compactionThreshold = max(4096, 2 * capacity * dimensions)
        values.reserveCapacity(capacity * step + dimensions)
        referenceCounts.reserveCapacity(capacity)
        locations.reserveCapacity(capacity)
    }

    deinit {
        contents.deinitialize(count: 1)
        contents.deallocate()
    }

    /// A store with the same contents (its arrays shared until either side changes).
    func copy() -> PointStore {
        let twin = PointStore(dimensions: dimensions, shingleStep: shingleStep)
        twin.values = values
        twin.locations = locations
        twin.referenceCounts = referenceCounts
        twin.free = free
        twin.lastAdded = lastAdded
        twin.compactionThreshold = compactionThreshold
        return twin
    }

    /// Bytes held by the stored values and their bookkeeping.
    public var memoryBytes: Int { values.count * 4 + locations.count * 4 + referenceCounts.count * 4 + free.count * 4 }

    /// Points currently stored.
    public var count: Int { referenceCounts.count - free.count }

    /// Values currently in the buffer (live, overlapping, or freed and not yet reclaimed).
    public var storedValues: Int { values.count }

    /// Stores `point` with no references yet; the caller adds one per tree that keeps it.
    func add(_ point: UnsafeBufferPointer<Float>) -> Int32 {
        precondition(point.count == dimensions, "a point of \(point.count) values in a store of \(dimensions) dimensions")
        if values.count + dimensions > compactionThreshold { compact() }
        var location = values.count
        if continuesLast(point) {
            location = Int(locations[Int(lastAdded)]) + shingleStep
            values.append(contentsOf: point[(dimensions - shingleStep)...])
        } else {
            values.append(contentsOf: point)
        }
        let index: Int32
        if let slot = free.popLast() {
            index = slot
            locations[Int(slot)] = Int32(location)
            referenceCounts[Int(slot)] = 0
        } else {
            index = Int32(referenceCounts.count)
            locations.append(Int32(location))
            referenceCounts.append(0)
        }
        lastAdded = index
        return index
    }

    /// Whether `point` is the last added point shifted by one step, with that point still
    /// stored and ending the buffer.
    private func continuesLast(_ point: UnsafeBufferPointer<Float>) -> Bool {
        // The last point is still stored if a tree took it (else it was freed at once).
        guard shingleStep < dimensions, lastAdded >= 0, referenceCounts[Int(lastAdded)] > 0 else { return false }
        let start = Int(locations[Int(lastAdded)])
        guard start + dimensions == values.count else { return false }
        for offset in 0..<(dimensions - shingleStep) where values[start + shingleStep + offset] != point[offset] { return false }
        return true
    }

    /// Rewrites the buffer with only the values of stored points, in location order, so
    /// points that overlapped still share their values.
    private func compact() {
        let live = (0..<Int32(referenceCounts.count)).filter { referenceCounts[Int($0)] > 0 }
            .sorted { locations[Int($0)] < locations[Int($1)] }
        // Free slots keep no values; location 0 until they are reused.
        for index in locations.indices where referenceCounts[index] == 0 { locations[index] = 0 }
        var compacted: [Float] = []
        compacted.reserveCapacity(live.count * shingleStep + dimensions)
        var runStart = -1, runEnd = -1, newRunStart = 0
        for index in live {
            let start = Int(locations[Int(index)]), end = start + dimensions
            if start < runEnd {
                if end > runEnd {
                    compacted.append(contentsOf: values[runEnd..<end])
                    runEnd = end
                }
            } else {
                newRunStart = compacted.count
                runStart = start
                runEnd = end
                compacted.append(contentsOf: values[start..<end])
            }
            locations[Int(index)] = Int32(newRunStart + (start - runStart))
        }
        values = compacted
        compactionThreshold = max(4096, 2 * values.count + 2 * dimensions)
    }

    /// Whether every referenced point's values are finite.
    var liveValuesAreFinite: Bool {
        referenceCounts.indices.allSatisfy { index in
            referenceCounts[index] == 0 || point(Int32(index)).allSatisfy(\.isFinite)
        }
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

    /// Whether the points held are exactly those of `references` (point index -> number of
    /// sampler entries holding it), each with that reference count.
    func referenceCountsMatch(_ references: [Int32: Int]) -> Bool {
        references.allSatisfy { isStored($0.key) && Int(referenceCounts[Int($0.key)]) == $0.value }
            && referenceCounts.lazy.filter({ $0 != 0 }).count == references.count
    }

    /// Whether `index` names a point held by at least one tree (a decoded tree's leaves
    /// must name only such points).
    func isStored(_ index: Int32) -> Bool {
        index >= 0 && Int(index) < referenceCounts.count && referenceCounts[Int(index)] > 0
    }

    /// The stored values, read directly by the trees' hot loops.
    func withValues<R>(_ body: (PointValues) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { buffer in
            try locations.withUnsafeBufferPointer { try body(PointValues(values: buffer, locations: $0)) }
        }
    }

    func point(_ index: Int32) -> ArraySlice<Float> {
        let start = Int(locations[Int(index)])
        return values[start..<(start + dimensions)]
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(UInt32(dimensions))
        writer.write(UInt32(shingleStep))
        writer.write(floats: values)
        writer.write(array: locations)
        writer.write(array: referenceCounts)
        writer.write(array: free)
        writer.write(lastAdded)
        writer.write(Int64(compactionThreshold))
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        let dimensions = Int(try reader.read(UInt32.self))
        var decoded = Contents()
        shingleStep = Int(try reader.read(UInt32.self))
        decoded.values = try reader.readFloats()
        decoded.locations = try reader.readArray()
        decoded.referenceCounts = try reader.readArray()
        decoded.free = try reader.readArray()
        decoded.lastAdded = try reader.read()
        decoded.compactionThreshold = Int(try reader.read(Int64.self))
        self.dimensions = dimensions
        contents = .allocate(capacity: 1)
        contents.initialize(to: decoded)
        let (values, locations, referenceCounts, free) = (decoded.values, decoded.locations, decoded.referenceCounts, decoded.free)
        guard dimensions > 0, shingleStep > 0, shingleStep <= dimensions, locations.count == referenceCounts.count,
              zip(locations, referenceCounts).allSatisfy({ $1 == 0 || ($0 >= 0 && Int($0) + dimensions <= values.count) }),
              free.allSatisfy({ $0 >= 0 && Int($0) < referenceCounts.count }), decoded.lastAdded < Int32(referenceCounts.count) else {
            throw reader.error("inconsistent point store")
        }
    }
}

/// Gradients of the rows of an embedding table that one batch touched: each row gets one
/// slot the first time it is hit, and later hits add into that slot. Clearing costs the
/// touched rows only.
struct RowGradients {
    let width: Int
    private var slotOfRow: [Int32]
    private(set) var rows: [Int32] = []
    private(set) var values: [Float] = []

    init(rowCount: Int, width: Int) {
        self.width = width
        slotOfRow = [Int32](repeating: -1, count: rowCount)
    }

    var touchedCount: Int { rows.count }

    /// Adds `gradient` (width floats) to `row`'s slot.
    @inline(__always)
    mutating func add(_ gradient: UnsafePointer<Float>, to row: Int32) {
        var slot = slotOfRow[Int(row)]
        if slot < 0 {
            slot = Int32(rows.count)
            slotOfRow[Int(row)] = slot
            rows.append(row)
            values.append(contentsOf: repeatElement(0, count: width))
        }
        let width = self.width
        values.withUnsafeMutableBufferPointer { buffer in
            VectorKernels.add(gradient, to: buffer.baseAddress! + Int(slot) * width, count: width)
        }
    }

    mutating func clear() {
        for row in rows { slotOfRow[Int(row)] = -1 }
        rows.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}

/// The training records as global bin indices (xgboost's gradient index): one entry per
/// present value, rows in order, each row's entries by feature. A complete matrix (no
/// missing values) finds a row's bin for a feature by position; others search the row.
struct QuantizedMatrix<Bin: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let rowStarts: [Int]
    let bins: [Bin]
    let featureCount: Int
    let complete: Bool

    init(_ data: BoostingData, cuts: QuantileCuts, threads: Int) {
        rowStarts = data.rowStarts
        featureCount = data.featureCount
        complete = data.isComplete
        let slots = WorkerSlots<[Bin]>(count: max(1, threads))
        let parts = max(1, min(threads, data.rows / 4_096 + 1))
        Parallel.forRanges(data.rows, parts: parts) { part, rows in
            guard !rows.isEmpty else { return }
            var out: [Bin] = []
            out.reserveCapacity(data.rowStarts[rows.upperBound] - data.rowStarts[rows.lowerBound])
            for entry in data.rowStarts[rows.lowerBound]..<data.rowStarts[rows.upperBound] {
                out.append(Bin(truncatingIfNeeded: cuts.bin(feature: Int(data.columns[entry]), value: data.values[entry])))
            }
            slots[part] = out
        }
        var bins: [Bin] = []
        bins.reserveCapacity(data.columns.count)
        for part in 0..<parts { bins += slots[part] ?? [] }
        self.bins = bins
    }

    var rows: Int { rowStarts.count - 1 }

    /// The global bin of `row`'s value for the feature whose bins are `start..<end`, or
    /// nil when the value is missing.
    @inline(__always)
    func bin(row: Int, feature: Int, start: Int, end: Int) -> Int? {
        if complete { return Int(bins[row &* featureCount &+ feature]) }
        var low = rowStarts[row], high = rowStarts[row + 1]
        let last = high
        while low < high {
            let middle = (low + high) >> 1
            if Int(bins[middle]) < start { low = middle + 1 } else { high = middle }
        }
        guard low < last else { return nil }
        let bin = Int(bins[low])
        return bin < end ? bin : nil
    }
}

/// The training records as global bin indices (xgboost's gradient index): one entry per
/// present value, rows in order, each row's entries by feature. A complete matrix (no
/// missing values) also keeps the bins column by column, as xgboost's column matrix, so
/// that partitioning a node reads one feature's bins in row order; others search the row.
struct QuantizedMatrix<Bin: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    let rowStarts: [Int]
    let bins: [Bin]
    let featureCount: Int
    let complete: Bool
    /// Complete matrices: feature `f`'s bins for every row at `f * rows`; else empty.
    let columns: [Bin]

    init(_ data: BoostingData, cuts: QuantileCuts, threads: Int) {
        rowStarts = data.rowStarts
        featureCount = data.featureCount
        complete = data.isComplete
        let total = data.values.count
        var bins = [Bin](repeating: 0, count: total)
        let parts = max(1, min(threads, data.rows / 4_096 + 1))
        bins.withUnsafeMutableBufferPointer { buffer in
            let out = SharedBuffer(buffer)
            Parallel.forRanges(data.rows, parts: parts) { _, rows in
                guard !rows.isEmpty else { return }
                cuts.bounds.withUnsafeBufferPointer { bounds in
                    cuts.featureStarts.withUnsafeBufferPointer { starts in
                        data.values.withUnsafeBufferPointer { values in
                            for row in rows {
                                let first = data.rowStarts[row]
                                for entry in first..<data.rowStarts[row &+ 1] {
                                    let feature = data.dense ? entry &- first : data.column(entry)
                                    let bin = QuantileCuts.bin(bounds, start: starts[feature], end: starts[feature &+ 1], value: values[entry])
                                    out.buffer[entry] = Bin(truncatingIfNeeded: bin)
                                }
                            }
                        }
                    }
                }
            }
        }
        self.bins = bins
        if complete {
            let rows = data.rows, width = data.featureCount
            var columns = [Bin](repeating: 0, count: total)
            bins.withUnsafeBufferPointer { source in
                columns.withUnsafeMutableBufferPointer { target in
                    for row in 0..<rows {
                        for f in 0..<width { target[f &* rows &+ row] = source[row &* width &+ f] }
                    }
                }
            }
            self.columns = columns
        } else {
            columns = []
        }
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

import WeirFormats
import WeirMath

/// A mini-batch of feature vectors of one width, stored the way its rows came: a dense
/// row-major matrix, or compressed sparse rows when the first row was sparse (so a
/// 10,000-column one-hot set costs its non-zeros, never its width).
public struct FeatureBatch<Scalar: TensorScalar>: Sendable {
    public enum Storage: Sendable {
        case dense([Scalar])
        /// Row `r` holds `columns[rowStarts[r]..<rowStarts[r+1]]` with their `values`.
        case sparse(rowStarts: [Int], columns: [Int32], values: [Scalar])
    }

    public let dimension: Int
    public var count: Int { rowCount }
    @usableFromInline var rowCount = 0
    /// Kept as plain arrays (not inside `Storage`), so that appending never copies them.
    /// Inlinable, so that callers get code specialised for their scalar type.
    @usableFromInline var sparse = false
    @usableFromInline var dense: [Scalar] = []
    @usableFromInline var rowStarts: [Int] = [0]
    @usableFromInline var columns: [Int32] = []
    @usableFromInline var values: [Scalar] = []

    @inlinable
    public init(dimension: Int) {
        self.dimension = dimension
    }

    /// A dense batch over a row-major matrix of `dimension` columns.
    @inlinable
    public init(rows matrix: [Scalar], dimension: Int) {
        precondition(dimension > 0 && matrix.count % dimension == 0, "the matrix is not whole rows")
        self.dimension = dimension
        dense = matrix
        rowCount = matrix.count / dimension
    }

    @inlinable
    public var isEmpty: Bool { count == 0 }
    @inlinable
    public var isSparse: Bool { sparse }

    /// The rows as stored; nil while the batch is empty.
    @inlinable
    public var storage: Storage? {
        guard count > 0 else { return nil }
        return sparse ? .sparse(rowStarts: rowStarts, columns: columns, values: values) : .dense(dense)
    }

    /// Appends a row of `dimension` values (the caller checked width and finiteness). The
    /// first row decides the storage; later rows are converted to it.
    @inlinable
    public mutating func append(_ features: FeatureVector) {
        if count == 0, case .sparse = features { sparse = true }
        switch (sparse, features) {
        case (false, .dense(let row)):
            let start = dense.count
            dense.append(contentsOf: repeatElement(0, count: row.count))
            dense.withUnsafeMutableBufferPointer { out in
                row.withUnsafeBufferPointer { values in
                    for column in 0..<values.count { out[start + column] = Scalar(values[column]) }
                }
            }
        case (false, .sparse(let indices, let row, _)):
            let start = dense.count
            dense.append(contentsOf: repeatElement(0, count: dimension))
            for (index, value) in zip(indices, row) { dense[start + index] = Scalar(value) }
        case (true, .sparse(let indices, let row, _)):
            columns.append(contentsOf: indices.lazy.map { Int32(truncatingIfNeeded: $0) })
            values.append(contentsOf: row.lazy.map { Scalar($0) })
            rowStarts.append(columns.count)
        case (true, .dense(let row)):
            for (index, value) in row.enumerated() where value != 0 {
                columns.append(Int32(truncatingIfNeeded: index))
                values.append(Scalar(value))
            }
            rowStarts.append(columns.count)
        }
        rowCount += 1
    }

    /// The rows at `positions`, in that order, stored as this batch stores them (a
    /// shuffled mini-batch of a data set held in memory).
    @inlinable
    public func gathered(_ positions: ArraySlice<Int>) -> FeatureBatch<Scalar> {
        var batch = FeatureBatch<Scalar>(dimension: dimension)
        batch.sparse = sparse
        batch.rowCount = positions.count
        if sparse {
            var total = 0
            for row in positions { total += rowStarts[row + 1] - rowStarts[row] }
            batch.columns.reserveCapacity(total)
            batch.values.reserveCapacity(total)
            batch.rowStarts.reserveCapacity(positions.count + 1)
            for row in positions {
                let range = rowStarts[row]..<rowStarts[row + 1]
                batch.columns.append(contentsOf: columns[range])
                batch.values.append(contentsOf: values[range])
                batch.rowStarts.append(batch.columns.count)
            }
        } else {
            let d = dimension
            batch.dense = [Scalar](unsafeUninitializedCapacity: positions.count * d) { out, initialised in
                dense.withUnsafeBufferPointer { source in
                    for (slot, row) in positions.enumerated() {
                        (out.baseAddress! + slot * d).initialize(from: source.baseAddress! + row * d, count: d)
                    }
                }
                initialised = positions.count * d
            }
        }
        return batch
    }

    /// The rows `range`, in order.
    @inlinable
    public func gathered(_ range: Range<Int>) -> FeatureBatch<Scalar> {
        gathered(Array(range)[...])
    }

    /// Bytes the stored rows take.
    @inlinable
    public var storedBytes: Int {
        sparse ? columns.count * 4 + values.count * MemoryLayout<Scalar>.stride + rowStarts.count * 8 : dense.count * MemoryLayout<Scalar>.stride
    }

    @inlinable
    public mutating func removeAll() {
        rowCount = 0
        sparse = false
        dense.removeAll(keepingCapacity: true)
        rowStarts = [0]
        columns.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// The batch as a dense row-major matrix (a sparse batch is scattered).
    @inlinable
    public var denseMatrix: [Scalar] {
        guard sparse else { return dense }
        var matrix = [Scalar](repeating: 0, count: count * dimension)
        for row in 0..<count {
            for entry in rowStarts[row]..<rowStarts[row + 1] { matrix[row * dimension + Int(columns[entry])] = values[entry] }
        }
        return matrix
    }

    /// Calls `body` with each row's non-zero (column, value) pairs: every column of a dense
    /// row, the stored entries of a sparse one.
    @inlinable
    public func forEachEntry(ofRow row: Int, _ body: (Int, Scalar) -> Void) {
        if sparse {
            for entry in rowStarts[row]..<rowStarts[row + 1] { body(Int(columns[entry]), values[entry]) }
        } else {
            let base = row * dimension
            for column in 0..<dimension { body(column, dense[base + column]) }
        }
    }
}

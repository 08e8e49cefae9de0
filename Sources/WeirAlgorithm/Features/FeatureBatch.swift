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
    public private(set) var count = 0
    public private(set) var storage: Storage?

    public init(dimension: Int) {
        self.dimension = dimension
    }

    public var isEmpty: Bool { count == 0 }
    public var isSparse: Bool { if case .sparse? = storage { return true } else { return false } }

    /// Appends a row of `dimension` values (the caller checked width and finiteness).
    public mutating func append(_ features: FeatureVector) {
        switch (storage, features) {
        case (nil, .sparse(let indices, let values, _)):
            storage = .sparse(rowStarts: [0, indices.count], columns: indices.map { Int32(truncatingIfNeeded: $0) },
                              values: values.map { Scalar($0) })
        case (nil, .dense(let values)):
            storage = .dense(values.map { Scalar($0) })
        case (.dense(var matrix)?, _):
            storage = nil
            switch features {
            case .dense(let values): matrix.append(contentsOf: values.lazy.map { Scalar($0) })
            case .sparse(let indices, let values, _):
                let start = matrix.count
                matrix.append(contentsOf: repeatElement(0, count: dimension))
                for (index, value) in zip(indices, values) { matrix[start + index] = Scalar(value) }
            }
            storage = .dense(matrix)
        case (.sparse(var starts, var columns, var entries)?, _):
            storage = nil
            switch features {
            case .sparse(let indices, let values, _):
                columns.append(contentsOf: indices.lazy.map { Int32(truncatingIfNeeded: $0) })
                entries.append(contentsOf: values.lazy.map { Scalar($0) })
            case .dense(let values):
                for (index, value) in values.enumerated() where value != 0 {
                    columns.append(Int32(truncatingIfNeeded: index))
                    entries.append(Scalar(value))
                }
            }
            starts.append(columns.count)
            storage = .sparse(rowStarts: starts, columns: columns, values: entries)
        }
        count += 1
    }

    public mutating func removeAll() {
        count = 0
        storage = nil
    }

    /// The batch as a dense row-major matrix (a sparse batch is scattered).
    public var denseMatrix: [Scalar] {
        switch storage {
        case nil: return []
        case .dense(let matrix)?: return matrix
        case .sparse(let starts, let columns, let values)?:
            var matrix = [Scalar](repeating: 0, count: count * dimension)
            for row in 0..<count {
                for entry in starts[row]..<starts[row + 1] { matrix[row * dimension + Int(columns[entry])] = values[entry] }
            }
            return matrix
        }
    }

    /// Calls `body` with each row's non-zero (column, value) pairs: every column of a dense
    /// row, the stored entries of a sparse one.
    public func forEachEntry(ofRow row: Int, _ body: (Int, Scalar) -> Void) {
        switch storage {
        case nil: return
        case .dense(let matrix)?:
            let base = row * dimension
            for column in 0..<dimension { body(column, matrix[base + column]) }
        case .sparse(let starts, let columns, let values)?:
            for entry in starts[row]..<starts[row + 1] { body(Int(columns[entry]), values[entry]) }
        }
    }
}

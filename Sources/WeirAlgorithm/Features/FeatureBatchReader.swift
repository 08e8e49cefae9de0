import WeirFormats
import WeirMath

/// Reads a training channel as mini-batches of feature vectors of a stated width, for the
/// algorithms that train on numbers alone (K-Means, PCA). Every row is checked before it is
/// used: its width must be `feature_dim` and its values finite, or the error names the file,
/// the record and the field. Labels are ignored.
public struct FeatureBatchReader {
    public let channel: TrainingChannel
    public let dimension: Int
    public let batchSize: Int

    public init(channel: TrainingChannel, dimension: Int, batchSize: Int) {
        precondition(dimension > 0 && batchSize > 0, "a batch holds at least one value")
        self.channel = channel
        self.dimension = dimension
        self.batchSize = batchSize
    }

    /// Calls `body` with each checked row of one epoch (labels kept), its file and its
    /// 1-based record number; returns the rows read.
    @discardableResult @inlinable
    public func forEachRow(epoch: Int, hostIndex: Int = 0, hostCount: Int = 1,
                           _ body: (DataRow, String, Int64) throws -> Void) throws -> Int {
        var total = 0
        for file in try channel.sources(epoch: epoch, hostIndex: hostIndex, hostCount: hostCount) {
            let format = try channel.format(of: channel.config.inputMode == .pipe && channel.config.contentType == nil ? channel.path : file)
            let source = try DataRowSource(path: file, format: format, options: channel.readOptions)
            var record: Int64 = 0
            while let row = try source.next() {
                record += 1
                try check(row.features, labels: row.label.count, file: file, record: record)
                try body(row, file, record)
                total += 1
            }
        }
        return total
    }

    /// Calls `body` with each batch of one epoch (the last may be short) and each row as
    /// read (for samplers); returns the rows read.
    @discardableResult @inlinable
    public func forEachBatch<Scalar: TensorScalar>(epoch: Int, hostIndex: Int = 0, hostCount: Int = 1, as _: Scalar.Type = Scalar.self,
                                                    row rowBody: (FeatureVector) -> Void = { _ in },
                                                    _ body: (FeatureBatch<Scalar>) throws -> Void) throws -> Int {
        var batch = FeatureBatch<Scalar>(dimension: dimension)
        let total = try forEachRow(epoch: epoch, hostIndex: hostIndex, hostCount: hostCount) { row, _, _ in
            rowBody(row.features)
            batch.append(row.features)
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll()
            }
        }
        if !batch.isEmpty { try body(batch) }
        return total
    }

    /// The width of a channel's records for `feature_dim=auto`: the first record's width
    /// when it is dense or carries its shape (RecordIO), else (libsvm) the widest record
    /// of a whole pass. Returns the passes it used (0 or 1), so that Pipe mode's next read
    /// opens the next FIFO.
    public static func inferDimension(of channel: TrainingChannel, epoch: Int, hostIndex: Int = 0,
                                      hostCount: Int = 1) throws -> (dimension: Int, passes: Int) {
        let files = try channel.sources(epoch: epoch, hostIndex: hostIndex, hostCount: hostCount)
        var widest = 0
        for file in files {
            let format = try channel.format(of: channel.config.inputMode == .pipe && channel.config.contentType == nil ? channel.path : file)
            let source = try DataRowSource(path: file, format: format, options: channel.readOptions)
            var record: Int64 = 0
            while let row = try source.next() {
                record += 1
                guard format == .libsvm else {
                    guard row.features.dimension > 0 else {
                        throw FormatError(input: file, .record(record), field: "features", "is empty; feature_dim=auto takes the width of the first record")
                    }
                    return (row.features.dimension, 1)
                }
                widest = max(widest, row.features.dimension)
            }
        }
        guard widest > 0 else { throw FormatError(input: channel.path, .none, field: "feature_dim", "the channel holds no records to take the width from") }
        return (widest, 1)
    }

    @usableFromInline
    func check(_ features: FeatureVector, labels: Int, file: String, record: Int64) throws(FormatError) {
        // A sparse row's width may be the largest index read so far (libsvm): narrower is fine.
        guard features.dimension == dimension || (features.isSparse && features.dimension < dimension) else {
            throw FormatError.featureWidth(input: file, record: record, found: features.dimension, expected: dimension, labels: labels,
                                           channel: channel.config.name)
        }
        let values: [Double]
        switch features {
        case .dense(let dense): values = dense
        case .sparse(_, let sparse, _): values = sparse
        }
        // Within Float's range too: models keep Float centres and vectors.
        if let bad = values.firstIndex(where: { !(abs($0) <= Double(Float.greatestFiniteMagnitude)) }) {
            throw FormatError(input: file, .record(record), field: "features[\(bad)]",
                              "is \(values[bad]); expected a finite number within Float's range (fill or drop missing values first)")
        }
    }
}

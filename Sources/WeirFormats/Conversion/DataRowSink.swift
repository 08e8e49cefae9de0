/// Writes `DataRow`s in any supported format.
public final class DataRowSink {
    public struct Options: Sendable {
        public var featureType: TensorElementType = .float32
        public var labelType: TensorElementType = .float32
        public init() {}
    }

    private enum Writer {
        case csv(CSVDataWriter)
        case libsvm(LibSVMWriter)
        case recordIO(RecordIOWriter)
        case jsonLines(JSONLinesDataWriter)
    }

    public let format: DataFormat
    public let options: Options
    public let path: String
    private let writer: Writer
    /// Rows appended so far (errors name the row by its 1-based position).
    public private(set) var rowsWritten: Int64 = 0

    public init(path: String, format: DataFormat, options: Options = Options()) throws(FormatError) {
        self.format = format
        self.options = options
        self.path = path
        switch format {
        case .csv: writer = .csv(try CSVDataWriter(path: path))
        case .libsvm: writer = .libsvm(try LibSVMWriter(path: path))
        case .recordIO: writer = .recordIO(try RecordIOWriter(path: path))
        case .jsonLines: writer = .jsonLines(try JSONLinesDataWriter(path: path))
        }
    }

    public func append(_ row: DataRow) throws(FormatError) {
        rowsWritten += 1
        switch writer {
        case .csv(let csv): try csv.append(row)
        case .libsvm(let libsvm): try libsvm.append(row)
        case .recordIO(let recordIO):
            try checkRepresentable(row.features, as: options.featureType, field: "features")
            if options.labelType == .int32 { try checkRepresentable(.dense(row.label), as: .int32, field: "label") }
            do {
                try recordIO.append(RecordProtobuf.encode(row, featureType: options.featureType, labelType: options.labelType))
            } catch {
                throw FormatError(input: path, .record(rowsWritten), field: error.field, error.message)
            }
        case .jsonLines(let jsonLines): try jsonLines.append(row)
        }
    }

    /// int32 tensors hold whole numbers: a value that is not finite or outside Int32's
    /// range is an error naming the row and column, not a silently clamped number.
    private func checkRepresentable(_ vector: FeatureVector, as type: TensorElementType, field: String) throws(FormatError) {
        guard type == .int32 else { return }
        let (positions, values): ([Int], [Double])
        switch vector {
        case .dense(let dense): (positions, values) = (Array(dense.indices), dense)
        case .sparse(let indices, let sparse, _): (positions, values) = (indices, sparse)
        }
        for (position, value) in zip(positions, values) where RecordProtobuf.int32Value(value) == nil {
            throw FormatError(input: path, .record(rowsWritten), field: "\(field)[\(position)]",
                              "\(value) cannot be written as int32 (whole numbers from \(Int32.min) to \(Int32.max); an empty CSV field reads as NaN)")
        }
    }

    public func close() throws(FormatError) {
        switch writer {
        case .csv(let csv): try csv.close()
        case .libsvm(let libsvm): try libsvm.close()
        case .recordIO(let recordIO): try recordIO.close()
        case .jsonLines(let jsonLines): try jsonLines.close()
        }
    }
}

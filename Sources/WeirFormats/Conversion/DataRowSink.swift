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
    private let writer: Writer

    public init(path: String, format: DataFormat, options: Options = Options()) throws(FormatError) {
        self.format = format
        self.options = options
        switch format {
        case .csv: writer = .csv(try CSVDataWriter(path: path))
        case .libsvm: writer = .libsvm(try LibSVMWriter(path: path))
        case .recordIO: writer = .recordIO(try RecordIOWriter(path: path))
        case .jsonLines: writer = .jsonLines(try JSONLinesDataWriter(path: path))
        }
    }

    public func append(_ row: DataRow) throws(FormatError) {
        switch writer {
        case .csv(let csv): try csv.append(row)
        case .libsvm(let libsvm): try libsvm.append(row)
        case .recordIO(let recordIO):
            try recordIO.append(RecordProtobuf.encode(row, featureType: options.featureType, labelType: options.labelType))
        case .jsonLines(let jsonLines): try jsonLines.append(row)
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

import WeirCore

/// Reads `DataRow`s from any supported format, remembering where the last row came from
/// (a byte offset for RecordIO, a line for text formats) for tools and error messages.
public final class DataRowSource {
    public struct Options: Sendable {
        /// CSV: label columns and header.
        public var csv = CSVDataReader.Options()
        /// libsvm: the feature dimension (otherwise the largest index seen so far).
        public var dimension: Int?
        /// libsvm: indices are the features themselves (xgboost's reading), not one above.
        public var libsvmZeroBased = false
        /// JSON lines: attribute names of an augmented manifest.
        public var featuresAttribute = "features"
        public var labelAttribute = "label"
        /// JSON lines arriving as RecordIO records (SageMaker's `RecordWrapperType: RecordIO`,
        /// as augmented manifests use it in Pipe mode): one JSON object per record.
        public var recordIOWrapped = false

        public init() {}
    }

    private enum Reader {
        case csv(ParallelCSVReader)
        case libsvm(LibSVMReader)
        case recordIO(RecordIOReader)
        case jsonLines(JSONLinesDataReader)
        case wrappedJSON(RecordIOReader, JSONRowDecoder)
    }

    public let path: String
    public let format: DataFormat
    private let reader: Reader
    /// Where the last row started.
    public private(set) var position: FormatError.Position = .none

    public init(path: String, format: DataFormat, options: Options = Options()) throws(FormatError) {
        self.path = path
        self.format = format
        switch format {
        case .csv: reader = .csv(try ParallelCSVReader(path: path, options: options.csv))
        case .libsvm: reader = .libsvm(try LibSVMReader(path: path, dimension: options.dimension, zeroBased: options.libsvmZeroBased))
        case .recordIO: reader = .recordIO(try RecordIOReader(path: path))
        case .jsonLines where options.recordIOWrapped:
            reader = .wrappedJSON(try RecordIOReader(path: path),
                                  JSONRowDecoder(featuresAttribute: options.featuresAttribute, labelAttribute: options.labelAttribute))
        case .jsonLines:
            reader = .jsonLines(try JSONLinesDataReader(path: path, featuresAttribute: options.featuresAttribute,
                                                        labelAttribute: options.labelAttribute))
        }
    }

    /// A CSV file's header names once the first row was read; nil for other formats.
    public var header: [String]? {
        if case .csv(let csv) = reader { return csv.header }
        return nil
    }

    /// The last libsvm row's `qid` (its query group, for learning to rank); nil otherwise.
    public var queryID: Int? {
        if case .libsvm(let libsvm) = reader { return libsvm.queryID }
        return nil
    }

    public func next() throws(FormatError) -> DataRow? {
        switch reader {
        case .csv(let csv):
            let row = try csv.next()
            position = .line(csv.line)
            return row
        case .libsvm(let libsvm):
            let row = try libsvm.next()
            position = .line(libsvm.line)
            return row
        case .recordIO(let recordIO):
            guard let (payload, offset) = try recordIO.next() else { return nil }
            position = .byte(offset)
            return try RecordProtobuf.decode(payload, input: path, offset: offset)
        case .jsonLines(let jsonLines):
            let row = try jsonLines.next()
            position = .line(jsonLines.line)
            return row
        case .wrappedJSON(let recordIO, let decoder):
            guard let (payload, offset) = try recordIO.next() else { return nil }
            position = .byte(offset)
            let value: JSONValue
            do {
                value = try JSONParser.parse(payload)
            } catch {
                throw FormatError(input: path, .byte(offset), "the RecordIO record holds no JSON object: \(error)")
            }
            return try decoder.row(value) { field, message in FormatError(input: path, .byte(offset), field: field, message) }
        }
    }
}

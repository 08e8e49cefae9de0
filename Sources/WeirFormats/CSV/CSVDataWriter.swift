/// Writes rows as SageMaker CSV: label values first (none when unlabelled), then every
/// feature (sparse rows written out densely), numbers in their shortest exact form.
public final class CSVDataWriter {
    public var path: String { output.path }
    private let output: TextOutput

    public init(path: String) throws(FormatError) {
        output = try TextOutput(path: path)
    }

    public func append(_ row: DataRow) throws(FormatError) {
        try output.write((row.label + row.features.denseValues).map(NumberText.format).joined(separator: ",") + "\n")
    }

    public func close() throws(FormatError) {
        try output.flush()
    }
}

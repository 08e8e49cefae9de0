/// Writes libsvm text: the label (comma-separated when several; 0 when unlabelled), then
/// the non-zero features as 1-based `index:value`.
public final class LibSVMWriter {
    public var path: String { output.path }
    private let output: TextOutput

    public init(path: String) throws(FormatError) {
        output = try TextOutput(path: path)
    }

    public func append(_ row: DataRow) throws(FormatError) {
        var text = row.label.isEmpty ? "0" : row.label.map(NumberText.format).joined(separator: ",")
        switch row.features {
        case .dense(let values):
            for (index, value) in values.enumerated() where value != 0 { text += " \(index + 1):\(NumberText.format(value))" }
        case .sparse(let indices, let values, _):
            for (index, value) in zip(indices, values) { text += " \(index + 1):\(NumberText.format(value))" }
        }
        try output.write(text + "\n")
    }

    public func close() throws(FormatError) {
        try output.flush()
    }
}

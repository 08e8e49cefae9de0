import ArgumentParser
import Foundation
import WeirFormats

/// `weir convert IN OUT`: between CSV, libsvm, RecordIO-protobuf (dense or sparse) and
/// JSON lines, with SageMaker's conventions on every side.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert data between CSV, libsvm, RecordIO-protobuf and JSON lines (formats from the extensions or --from/--to)."
    )

    @Argument(help: "Input file (- for standard input, with --from).")
    var input: String

    @Argument(help: "Output file (- for standard output, with --to).")
    var output: String

    @OptionGroup var read: DataReadOptions

    @Option(name: .customLong("to"), help: "Output format: csv, libsvm, recordio, jsonlines (default: from the extension).")
    var outputFormat: DataFormat?

    @Option(help: "Feature representation: keep, dense, sparse.")
    var features: DataConverter.Representation = .keep

    @Option(help: "RecordIO element type of the features: float32, float64, int32.")
    var dtype: TensorElementType = .float32

    @Option(help: "RecordIO element type of the label: float32, float64, int32.")
    var labelDtype: TensorElementType = .float32

    func run() throws {
        let inputFormat = try read.resolvedFormat(for: input)
        guard let format = outputFormat ?? DataFormat.inferred(from: output) else {
            throw ValidationError("cannot tell the format of '\(output)' from its extension; pass --to csv|libsvm|recordio|jsonlines")
        }
        var writeOptions = DataRowSink.Options()
        writeOptions.featureType = dtype
        writeOptions.labelType = labelDtype
        do {
            let count = try DataConverter.convert(from: input, format: inputFormat, readOptions: read.sourceOptions,
                                                  to: output, format: format, writeOptions: writeOptions, representation: features) { note in
                FileHandle.standardError.write(Data("note: \(note)\n".utf8))
            }
            FileHandle.standardError.write(Data("converted \(count) records: \(input) (\(inputFormat.rawValue)) -> \(output) (\(format.rawValue))\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

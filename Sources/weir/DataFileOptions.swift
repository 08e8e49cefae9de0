import ArgumentParser
import WeirFormats

extension DataFormat: ExpressibleByArgument {}
extension TensorElementType: ExpressibleByArgument {}
extension DataConverter.Representation: ExpressibleByArgument {}

/// How to read a data file: its format (else inferred from the extension) and the
/// per-format settings SageMaker users set through content types and channel configs.
struct DataReadOptions: ParsableArguments {
    @Option(name: .customLong("from"), help: "Input format: csv, libsvm, recordio, jsonlines (default: from the extension).")
    var format: DataFormat?

    @Option(help: "CSV: label columns at the start of each row (SageMaker's label_size; 0 = unlabelled).")
    var labelSize: Int = 1

    @Flag(help: "CSV: the first line is a header.")
    var header = false

    @Option(help: "libsvm: the number of features (default: the largest index in the file).")
    var featureDim: Int?

    @Option(help: "JSON lines: attribute holding the features (augmented manifests).")
    var featuresAttribute = "features"

    @Option(help: "JSON lines: attribute holding the label.")
    var labelAttribute = "label"

    func validate() throws {
        guard (0...1_000).contains(labelSize) else { throw ValidationError("--label-size must be from 0 to 1000, found \(labelSize)") }
        if let featureDim, FeatureShape.dimension(featureDim) == nil {
            throw ValidationError("--feature-dim must be from 1 to \(FeatureShape.maximumDimension), found \(featureDim)")
        }
    }

    func resolvedFormat(for path: String) throws -> DataFormat {
        if let format { return format }
        guard let inferred = DataFormat.inferred(from: path) else {
            throw ValidationError("cannot tell the format of '\(path)' from its extension; pass --from csv|libsvm|recordio|jsonlines")
        }
        return inferred
    }

    var sourceOptions: DataRowSource.Options {
        var options = DataRowSource.Options()
        options.csv = CSVDataReader.Options(labelSize: labelSize, hasHeader: header)
        options.dimension = featureDim
        options.featuresAttribute = featuresAttribute
        options.labelAttribute = labelAttribute
        return options
    }
}

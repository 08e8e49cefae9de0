/// `weir convert`: copies rows from one format to another, optionally forcing the dense
/// or sparse representation. libsvm input without a given dimension is scanned once first
/// so that every sparse row carries the true column count (as SageMaker's `shape`).
public enum DataConverter {
    public enum Representation: String, Sendable, CaseIterable { case keep, dense, sparse }

    /// Converts and returns the number of rows written.
    public static func convert(from input: String, format inputFormat: DataFormat, readOptions: DataRowSource.Options,
                               to output: String, format outputFormat: DataFormat, writeOptions: DataRowSink.Options,
                               representation: Representation = .keep, notice: ((String) -> Void)? = nil) throws(FormatError) -> Int {
        var options = readOptions
        if inputFormat == .libsvm && options.dimension == nil {
            guard input != "-" else {
                throw FormatError(input: input, .none, "libsvm from standard input needs --feature-dim (it cannot be scanned twice)")
            }
            let scan = try LibSVMReader(path: input)
            while try scan.next() != nil {}
            options.dimension = scan.largestIndex
        }
        let source = try DataRowSource(path: input, format: inputFormat, options: options)
        let sink = try DataRowSink(path: output, format: outputFormat, options: writeOptions)
        var count = 0
        while var row = try source.next() {
            switch representation {
            case .keep: break
            case .dense: row.features = .dense(row.features.denseValues)
            case .sparse:
                if case .dense(let values) = row.features {
                    let indices = values.indices.filter { values[$0] != 0 }
                    row.features = .sparse(indices: indices, values: indices.map { values[$0] }, dimension: values.count)
                }
            }
            try sink.append(row)
            if count == 0, let notice, let header = source.header, let note = CSVLabelConvention.note(header: header, labelSize: options.csv.labelSize) {
                notice("\(input): \(note)")
            }
            count += 1
        }
        try sink.close()
        return count
    }
}

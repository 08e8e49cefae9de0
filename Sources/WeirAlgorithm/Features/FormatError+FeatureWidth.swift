import WeirFormats

extension FormatError {
    /// A record whose features are not `feature_dim` wide. When its label columns would make
    /// up the difference, the message says that the first CSV column was read as the label
    /// (SageMaker's default for text/csv) and how to say the data has none.
    public static func featureWidth(input: String, record: Int64, found: Int, expected: Int, labels: Int, channel: String) -> FormatError {
        var message = "has \(found) value\(found == 1 ? "" : "s"); feature_dim is \(expected)"
        if labels > 0 && found + labels == expected {
            message += "; the first \(labels == 1 ? "column was" : "\(labels) columns were") read as the label (SageMaker's default for "
                + "text/csv): for data without labels pass --content-type '\(channel)=text/csv;label_size=0'"
        }
        return FormatError(input: input, .record(record), field: "features", message)
    }
}

/// SageMaker reads a CSV file's label from its first columns; files written for other tools
/// often put it last, after a time or id column. When a header says so, a note names the
/// column read as the label and how to change that, instead of training on a timestamp.
public enum CSVLabelConvention {
    static let labelNames: Set<String> = ["label", "labels", "target", "class", "y", "outcome", "is_anomaly", "anomaly"]
    static let keyNames: Set<String> = ["t", "ts", "time", "timestamp", "date", "datetime", "id", "index"]

    /// The note for `header` read with `labelSize` label columns, or nil when it looks right.
    public static func note(header: [String], labelSize: Int) -> String? {
        guard labelSize > 0, labelSize < header.count else { return nil }
        let names = header.map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()).lowercased() }
        let read = header.prefix(labelSize).map { "'\($0)'" }.joined(separator: ", ")
        let convention = "the label is read from the first column\(labelSize == 1 ? "" : "s") (\(read)), SageMaker's CSV convention"
        let remedy = "put the label first, or pass --label-size 0 to read every column as a feature"
        if let index = names.indices.dropFirst(labelSize).first(where: { labelNames.contains(names[$0]) }) {
            return "\(convention), but column \(index + 1) is named '\(header[index])': \(remedy)"
        }
        if keyNames.contains(names[0]) {
            return "\(convention), and it looks like a time or id column: \(remedy)"
        }
        return nil
    }
}

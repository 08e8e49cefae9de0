/// The row formats Weir reads and writes, chosen by file extension or named explicitly
/// (`--from` / `--to`, or a content type).
public enum DataFormat: String, Sendable, CaseIterable {
    case csv
    case libsvm
    case recordIO = "recordio"
    case jsonLines = "jsonlines"

    /// The format a path's extension implies, if any; a compression suffix (`.gz`) is
    /// looked through, as every reader inflates gzip data.
    public static func inferred(from path: String) -> DataFormat? {
        let name = uncompressedName(path.split(separator: "/").last.map(String.init) ?? path)
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "csv": return .csv
        case "libsvm", "svm", "svmlight": return .libsvm
        case "rec", "recordio", "pbr", "protobuf": return .recordIO
        case "jsonl", "jsonlines", "ndjson", "json": return .jsonLines
        default: return nil
        }
    }

    /// `name` less a `.gz` or `.gzip` suffix (`train.csv.gz` is `train.csv`).
    public static func uncompressedName(_ name: String) -> String {
        for suffix in [".gz", ".gzip"] where name.lowercased().hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    /// The format of a SageMaker content type (`text/csv`, `text/libsvm`,
    /// `application/x-recordio-protobuf`, `application/jsonlines`).
    public static func fromContentType(_ contentType: String) -> DataFormat? {
        let type = contentType.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        switch type {
        case "text/csv", "csv": return .csv
        case "text/libsvm", "text/x-libsvm", "libsvm": return .libsvm
        case "application/x-recordio-protobuf", "application/x-recordio", "recordio-protobuf": return .recordIO
        case "application/jsonlines", "application/json-lines", "application/x-ndjson", "jsonlines": return .jsonLines
        default: return nil
        }
    }
}

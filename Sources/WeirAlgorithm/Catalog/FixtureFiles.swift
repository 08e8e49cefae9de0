import Foundation
import WeirFormats

/// Helpers for algorithm fixtures: write small data sets and make channels over them.
public enum FixtureFiles {
    /// Writes `lines` joined by newlines to `directory/name` and returns the path.
    @discardableResult
    public static func write(_ lines: [String], to directory: String, name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8)) else {
            throw FormatError(input: path, .none, "cannot write the fixture file")
        }
        return path
    }

    /// Rows of numbers as CSV lines.
    public static func csvLines(_ rows: [[Double]]) -> [String] {
        rows.map { row in row.map { NumberText.format($0) }.joined(separator: ",") }
    }

    /// A File-mode channel over `path`.
    public static func channel(_ name: String, path: String, contentType: String? = nil) -> TrainingChannel {
        TrainingChannel(config: ChannelConfig(name: name, contentType: contentType), path: path)
    }
}

import Foundation
import WeirAlgorithm
import WeirFormats
import WeirMath

/// Small data sets written to scratch folders, and a quiet training context over them.
enum UnsupervisedTestData {
    static func folder(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-unsupervised-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A context over CSV (`name.csv`) or libsvm (`name.libsvm`) files, printing metric lines into `lines`.
    static func context(_ channels: [String: String], lines: LineBox = LineBox()) -> TrainingContext {
        let mapped = Dictionary(uniqueKeysWithValues: channels.map { name, path in
            (name, TrainingChannel(config: ChannelConfig(name: name, contentType: path.hasSuffix(".csv") ? "text/csv;label_size=0" : "text/libsvm"),
                                   path: path))
        })
        return TrainingContext(channels: mapped, metrics: MetricsReporter { lines.lines.append($0) })
    }

    static func writeCSV(_ rows: [[Double]], _ path: String) throws -> String {
        try FixtureFiles.write(FixtureFiles.csvLines(rows), to: (path as NSString).deletingLastPathComponent, name: (path as NSString).lastPathComponent)
    }

    /// libsvm lines (label 0, 1-based indices, zeros left out).
    static func writeLibSVM(_ rows: [[Double]], _ path: String) throws -> String {
        let lines = rows.map { row in
            (["0"] + row.enumerated().filter { $0.element != 0 }.map { "\($0.offset + 1):\(NumberText.format($0.element))" }).joined(separator: " ")
        }
        return try FixtureFiles.write(lines, to: (path as NSString).deletingLastPathComponent, name: (path as NSString).lastPathComponent)
    }

    /// Gaussian blobs around `centres`, in turn.
    static func blobs(_ count: Int, centres: [[Double]], spread: Double, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { index in centres[index % centres.count].map { $0 + random.normal(mean: 0, standardDeviation: spread) } }
    }
}

/// Collects printed lines (the metrics reporter's output).
final class LineBox: @unchecked Sendable {
    var lines: [String] = []
}

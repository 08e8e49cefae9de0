import ArgumentParser
import Foundation
import WeirPlot

/// `weir plot FILE --output DIR`: draws each key's series from a replay's or capture's
/// output (JSON lines, as `weir replay` prints them) as an SVG chart: the features over
/// time, the anomaly score with its threshold, and the alarms with their explanations.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a replay's output (JSON lines) as SVG charts: series, anomaly scores, threshold and alarms, per key."
    )

    @Argument(help: "JSON lines, one record per line (- for standard input).")
    var file: String

    @Option(name: .shortAndLong, help: "Folder for the SVG files (one per key, and index.html).")
    var output: String

    @Option(help: "The field holding each record's time (epoch seconds or milliseconds, or ISO 8601).")
    var timeField = "ts"

    @Option(help: "The field naming the series (a chart per value); none: one chart of every record.")
    var keyField: String?

    @Option(help: "Draw only this key (repeatable).")
    var key: [String] = []

    @Option(help: "Features to draw, separated by commas (default: every numeric field Weir did not add).")
    var features: String?

    func run() throws {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            text = String(decoding: data, as: UTF8.self)
        }
        var options = ScoredSeries.Options()
        options.timeField = timeField
        options.keyField = keyField
        options.features = features.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        var all = try ScoredSeries.read(lines: text.split(separator: "\n", omittingEmptySubsequences: false), input: file, options: options)
        if !key.isEmpty {
            let missing = key.filter { wanted in !all.contains { $0.key == wanted } }
            guard missing.isEmpty else { throw ValidationError("no records of \(missing.joined(separator: ", ")) in \(file)") }
            all = all.filter { key.contains($0.key) }
        }
        guard !all.isEmpty else { throw ValidationError("\(file) holds no records to draw") }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let chart = AnomalyChart()
        var index = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>weir plot</title></head><body style=\"font-family: sans-serif\">\n"
        for (position, series) in all.enumerated() {
            let name = ChartFileName.make(series.key, index: position)
            try chart.svg(series).write(toFile: output + "/" + name, atomically: true, encoding: .utf8)
            index += "<p><img src=\"\(name)\" alt=\"\(SVGCanvas.escape(series.key))\"></p>\n"
            print(output + "/" + name)
        }
        index += "</body></html>\n"
        try index.write(toFile: output + "/index.html", atomically: true, encoding: .utf8)
    }
}

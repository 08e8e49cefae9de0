import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import WeirCore
@testable import WeirPlot

/// `weir plot`'s charts: series grouped by key in time order, alarms shaded and marked with
/// their explanation, real UTC time labels, and any input text escaped.
@Suite struct AnomalyChartTests {
    /// Replay-style output: two hosts, one minute apart, web-1 with two alarms.
    static func lines() -> [Substring] {
        var lines: [String] = []
        let start = 1_767_225_600_000.0  // 2026-01-01T00:00:00Z
        for minute in 0..<120 {
            for host in ["web-1", "web-2"] {
                let alarm = host == "web-1" && (minute == 50 || minute == 90)
                let cpu = 40 + Double(minute % 7) + (alarm ? 45 : 0)
                var record = #"{"ts":\#(Int(start) + minute * 60_000),"host":"\#(host)","cpu":\#(cpu),"latency_ms":\#(20 + minute % 5),"#
                record += #""anomaly_score":\#(alarm ? 2.5 : 0.7),"anomaly_grade":\#(alarm ? 0.8 : 0),"anomaly_threshold":1.2"#
                if alarm { record += #","attribution":{"cpu":{"high":1.9,"low":0.01},"latency_ms":{"high":0.1,"low":0.05}}"# }
                lines.append(record + "}")
            }
        }
        // Out of order records are drawn in time order.
        lines.swapAt(10, 30)
        return lines.map { Substring($0) }
    }

    static func options() -> ScoredSeries.Options {
        var options = ScoredSeries.Options()
        options.keyField = "host"
        return options
    }

    @Test func recordsGroupByKeyInTimeOrderWithTheirFeatures() throws {
        let series = try ScoredSeries.read(lines: Self.lines(), input: "out.jsonl", options: Self.options())
        #expect(series.map(\.key) == ["web-1", "web-2"])
        #expect(series[0].features == ["cpu", "latency_ms"])
        #expect(series[0].points.count == 120)
        #expect(zip(series[0].points, series[0].points.dropFirst()).allSatisfy { $0.time < $1.time })
        let alarms = series[0].points.filter { ($0.grade ?? 0) > 0 }
        #expect(alarms.count == 2)
        #expect(alarms[0].explanation == "cpu high 1.9, latency_ms high 0.1, latency_ms low 0.05, cpu low 0.01")
    }

    @Test func theChartShadesAndMarksEachAlarmWithItsExplanationAndUTCTimes() throws {
        let series = try ScoredSeries.read(lines: Self.lines(), input: "out.jsonl", options: Self.options())
        let svg = AnomalyChart().svg(series[0])
        #expect(svg.hasPrefix("<?xml") && svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        // Two alarm bands and two marks with tooltips naming time, score and attribution.
        #expect(svg.components(separatedBy: "fill=\"#d62728\" fill-opacity=\"0.16\"").count - 1 == 2)
        #expect(svg.contains("<title>2026-01-01 00:50:00: score 2.5, grade 0.8; cpu high 1.9"))
        #expect(svg.contains("<title>2026-01-01 01:30:00:"))
        // Time labels at round UTC instants with the date, panels named by feature.
        #expect(svg.contains(">00:00 2026-01-01</text>") || svg.contains(">00:20 2026-01-01</text>"))
        #expect(svg.contains(">cpu</text>") && svg.contains(">latency_ms</text>") && svg.contains(">anomaly score</text>"))
        #expect(svg.contains("120 records, 2 alarms"))
        // The quiet host: no alarm drawn.
        let quiet = AnomalyChart().svg(series[1])
        #expect(!quiet.contains("fill-opacity=\"0.16\"") && quiet.contains("120 records, 0 alarms"))
    }

    /// Counts elements by name while an XML parser reads a document; records whether it was well-formed.
    final class ElementCounter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
        }
    }

    @Test func chartsAreWellFormedXMLWithTheExpectedElements() throws {
        let series = try ScoredSeries.read(lines: Self.lines(), input: "out.jsonl", options: Self.options())
        for (item, alarms) in zip(series, [2, 0]) {
            let parser = XMLParser(data: Data(AnomalyChart().svg(item).utf8))
            let counter = ElementCounter()
            parser.delegate = counter
            #expect(parser.parse(), "\(item.key): \(String(describing: parser.parserError))")
            #expect(counter.counts["svg"] == 1)
            // Two features and the score: three series lines, plus the threshold.
            #expect(counter.counts["polyline", default: 0] >= 4)
            #expect(counter.counts["title", default: 0] == alarms)
            #expect(counter.counts["text", default: 0] > 10)
        }
        // Hostile text stays text.
        let line: Substring = #"{"ts": 1, "host": "]]><x/><!--", "value": 1}"#
        let hostile = try ScoredSeries.read(lines: [line], input: "in", options: Self.options())
        #expect(XMLParser(data: Data(AnomalyChart().svg(hostile[0]).utf8)).parse())
    }

    @Test func inputTextIsEscapedAndKeysMakeSafeDistinctFileNames() throws {
        let line: Substring = #"{"ts": "2026-03-01T10:00:00Z", "host": "<script>&\"x\"", "value": 1, "anomaly_score": 0.5, "anomaly_grade": 0}"#
        let series = try ScoredSeries.read(lines: [line], input: "in", options: Self.options())
        let svg = AnomalyChart().svg(series[0])
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;&amp;&quot;x&quot;"))
        #expect(series[0].points[0].time == 1_772_359_200_000)
        #expect(ChartFileName.make("web-1", index: 0) == "web-1.svg")
        #expect(ChartFileName.make("a/b", index: 2) == "=3-a_b.svg")
        #expect(ChartFileName.make("a_b", index: 0) == "a_b.svg")
        #expect(ChartFileName.make("../../etc/passwd", index: 0).contains("/") == false)
    }

    @Test func badLinesAndMissingTimesAreNamedNotDrawn() {
        #expect { try ScoredSeries.read(lines: [#"{"ts":1,"v":1}"#, "not json"], input: "out.jsonl", options: Self.options()) } throws: {
            "\($0)".contains("out.jsonl line 2")
        }
        #expect { try ScoredSeries.read(lines: [#"{"v":1}"#], input: "out.jsonl", options: Self.options()) } throws: {
            "\($0)".contains("'ts'")
        }
        // Extreme numbers are refused or drawn, never a trap.
        #expect(throws: PlotError.self) { try ScoredSeries.read(lines: [#"{"ts":1e300,"v":1}"#], input: "x", options: Self.options()) }
        let extreme = try? ScoredSeries.read(lines: [#"{"ts":1,"v":1e300,"anomaly_score":-1e308,"anomaly_grade":1}"#, #"{"ts":2,"v":-1e300}"#],
                                             input: "x", options: Self.options())
        #expect(extreme.map { AnomalyChart().svg($0[0]).hasSuffix("</svg>\n") } == true)
        #expect(TimeTicks.format(.nan, seconds: true).day == "?")
    }

    @Test func axesTickAtNiceValuesAndRoundInstants() {
        let scale = AxisScale(covering: [0.13, 0.91], pixels: 0...100)
        #expect(scale.ticks(about: 4) == [0.2, 0.4, 0.6, 0.8] || scale.ticks(about: 4) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        #expect(AxisScale.label(25_000) == "25k" && AxisScale.label(0.5) == "0.5" && AxisScale.label(-0.0) == "0")
        let ticks = TimeTicks.ticks(start: 1_767_225_600_000 - 3_600_000, end: 1_767_225_600_000 + 3_600_000 * 5, about: 6)
        #expect(ticks.map(\.label).contains("00:00 2026-01-01"))
        #expect(ticks.first?.label.hasSuffix("2025-12-31") == true)
        #expect(TimeTicks.format(951_782_400_000, seconds: false).day == "2000-02-29")
        // A flat series still draws within its panel.
        let flat = AxisScale(covering: [3, 3, 3], pixels: 10...110, inverted: true)
        #expect(flat.pixel(3) > 10 && flat.pixel(3) < 110)
    }
}

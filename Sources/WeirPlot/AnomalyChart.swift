/// Draws one key's series as an SVG a browser opens: a panel per feature (its values over
/// time), then the anomaly score with the forest's threshold dashed, every alarm (a record
/// whose grade is above 0) shaded across all panels and marked on the score, its
/// explanation in the mark's tooltip (an SVG `<title>`), and real UTC times below.
public struct AnomalyChart: Sendable {
    public var width = 960.0
    public var panelHeight = 110.0
    public var scorePanelHeight = 130.0
    /// Features drawn at most (one panel each); the rest are named in the subtitle.
    public var maximumPanels = 6

    static let palette = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]
    static let alarmColour = "#d62728"
    static let thresholdColour = "#ff7f0e"

    public init() {}

    public func svg(_ series: ScoredSeries) -> String {
        let left = 70.0, right = 24.0, top = 52.0, gap = 18.0, bottom = 44.0
        let drawn = Array(series.features.prefix(maximumPanels))
        let hasScores = series.points.contains { $0.score != nil }
        let panels = drawn.count + (hasScores ? 1 : 0)
        let height = top + Double(drawn.count) * (panelHeight + gap) + (hasScores ? scorePanelHeight + gap : 0) + bottom
        var canvas = SVGCanvas(width: width, height: max(height, top + bottom + 40))
        let points = series.points
        let alarms = points.filter { ($0.grade ?? 0) > 0 }
        canvas.text(series.key, x: left, y: 22, size: 16, weight: "bold")
        var subtitle = "\(points.count) records, \(alarms.count) alarm\(alarms.count == 1 ? "" : "s")"
        if series.features.count > drawn.count { subtitle += "; not drawn: " + series.features.dropFirst(drawn.count).joined(separator: ", ") }
        canvas.text(subtitle, x: left, y: 40, size: 11, fill: "#666")
        guard let first = points.first, let last = points.last, panels > 0 else {
            canvas.text("nothing to draw", x: left, y: top + 20)
            return canvas.document
        }
        let start = first.time, end = max(last.time, first.time + 1000)
        let plotRight = width - right
        let timeScale = AxisScale(spanning: start...end, pixels: left...plotRight)
        let panelsBottom = height - bottom
        // Alarm bands behind everything, as wide as the typical spacing of records.
        let spacing = Self.medianSpacing(points) ?? (end - start) / 100
        let bandWidth = max(2, timeScale.pixel(start + spacing) - timeScale.pixel(start))
        for alarm in alarms {
            canvas.rect(x: timeScale.pixel(alarm.time) - bandWidth / 2, y: top, width: bandWidth, height: panelsBottom - top,
                        fill: Self.alarmColour, opacity: 0.16)
        }
        // Time grid and labels.
        for tick in TimeTicks.ticks(start: start, end: end, about: Int(width / 150)) {
            let x = timeScale.pixel(tick.time)
            canvas.line(x1: x, y1: top, x2: x, y2: panelsBottom, stroke: "#e5e5e5")
            canvas.text(tick.label, x: x, y: panelsBottom + 16, size: 10, anchor: .middle, fill: "#555")
        }
        canvas.text("time (UTC)", x: plotRight, y: panelsBottom + 34, size: 10, anchor: .end, fill: "#888")

        var y = top
        for (index, feature) in drawn.enumerated() {
            let values = points.map { $0.values[index] }
            let scale = AxisScale(covering: values.compactMap { $0 }, pixels: y...(y + panelHeight), inverted: true)
            drawFrame(&canvas, scale: scale, left: left, right: plotRight, top: y, height: panelHeight, label: feature)
            let colour = Self.palette[index % Self.palette.count]
            canvas.polyline(zip(points, values).map { point, value in value.map { (timeScale.pixel(point.time), scale.pixel($0)) } },
                            stroke: colour)
            y += panelHeight + gap
        }
        if hasScores {
            let scores = points.compactMap(\.score) + points.compactMap(\.threshold)
            let scale = AxisScale(covering: scores, pixels: y...(y + scorePanelHeight), inverted: true, includeZero: true)
            drawFrame(&canvas, scale: scale, left: left, right: plotRight, top: y, height: scorePanelHeight, label: "anomaly score")
            canvas.polyline(points.map { point in point.threshold.map { (timeScale.pixel(point.time), scale.pixel($0)) } },
                            stroke: Self.thresholdColour, width: 1.2)
            canvas.polyline(points.map { point in point.score.map { (timeScale.pixel(point.time), scale.pixel($0)) } },
                            stroke: "#222", width: 1.2)
            for alarm in alarms {
                let (day, clock) = TimeTicks.format(alarm.time, seconds: true)
                var title = "\(day) \(clock): score \(AxisScale.label(alarm.score ?? 0)), grade \(AxisScale.label(alarm.grade ?? 0))"
                if let explanation = alarm.explanation { title += "; " + explanation }
                canvas.circle(x: timeScale.pixel(alarm.time), y: scale.pixel(alarm.score ?? 0), radius: 3.5, fill: Self.alarmColour, title: title)
            }
            // Legend for the score panel, in the gap above it (clear of the lines).
            let legend = y - 6
            canvas.line(x1: plotRight - 190, y1: legend - 3, x2: plotRight - 172, y2: legend - 3, stroke: "#222", width: 1.5)
            canvas.text("score", x: plotRight - 168, y: legend, size: 10)
            canvas.line(x1: plotRight - 130, y1: legend - 3, x2: plotRight - 112, y2: legend - 3, stroke: Self.thresholdColour, width: 1.5)
            canvas.text("threshold", x: plotRight - 108, y: legend, size: 10)
            canvas.circle(x: plotRight - 50, y: legend - 3, radius: 3.5, fill: Self.alarmColour)
            canvas.text("alarm", x: plotRight - 43, y: legend, size: 10)
        }
        return canvas.document
    }

    /// A panel's box, its value ticks and its name.
    private func drawFrame(_ canvas: inout SVGCanvas, scale: AxisScale, left: Double, right: Double, top: Double, height: Double, label: String) {
        for tick in scale.ticks(about: 4) {
            let y = scale.pixel(tick)
            canvas.line(x1: left, y1: y, x2: right, y2: y, stroke: "#f0f0f0")
            canvas.text(AxisScale.label(tick), x: left - 6, y: y + 3.5, size: 10, anchor: .end, fill: "#555")
        }
        canvas.line(x1: left, y1: top + height, x2: right, y2: top + height, stroke: "#999")
        canvas.line(x1: left, y1: top, x2: left, y2: top + height, stroke: "#999")
        canvas.text(label, x: left + 6, y: top + 12, size: 11, fill: "#333", weight: "bold")
    }

    static func medianSpacing(_ points: [ScoredSeries.Point]) -> Double? {
        guard points.count > 1 else { return nil }
        var gaps = zip(points.dropFirst(), points).map { $0.time - $1.time }.filter { $0 > 0 }
        guard !gaps.isEmpty else { return nil }
        gaps.sort()
        return gaps[gaps.count / 2]
    }
}

extension AxisScale {
    /// A time scale spanning exactly `range` (no padding).
    init(spanning range: ClosedRange<Double>, pixels: ClosedRange<Double>) {
        self.init(low: range.lowerBound, high: range.upperBound, pixels: pixels)
    }
}

/// An SVG document built element by element: coordinates in pixels from the top left,
/// text escaped, numbers written with two decimals at most so files stay small.
public struct SVGCanvas: Sendable {
    public let width: Double
    public let height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Text safe inside an SVG element or attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Control characters other than tab and newline are not allowed in XML 1.0.
                if let scalar = character.unicodeScalars.first, scalar.value < 0x20, scalar != "\t", scalar != "\n" {
                    out += " "
                } else {
                    out.append(character)
                }
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        let dashed = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\"\(dashed)/>")
    }

    /// A line through `points`; a nil point breaks it (a gap where a value is missing).
    public mutating func polyline(_ points: [(Double, Double)?], stroke: String, width: Double = 1.5) {
        var run: [(Double, Double)] = []
        func flush() {
            if run.count == 1 {
                circle(x: run[0].0, y: run[0].1, radius: width, fill: stroke)
            } else if run.count > 1 {
                let text = run.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
                body.append("<polyline points=\"\(text)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\" stroke-linejoin=\"round\"/>")
            }
            run.removeAll()
        }
        for point in points {
            if let point { run.append(point) } else { flush() }
        }
        flush()
    }

    /// A filled polygon (a band between two lines).
    public mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard points.count > 2 else { return }
        let text = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        body.append("<polygon points=\"\(text)\" fill=\"\(fill)\" fill-opacity=\"\(Self.number(opacity))\" stroke=\"none\"/>")
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, opacity: Double = 1, title: String? = nil) {
        let open = "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(width, 0)))\" height=\"\(Self.number(max(height, 0)))\" fill=\"\(fill)\" fill-opacity=\"\(Self.number(opacity))\""
        if let title {
            body.append(open + "><title>\(Self.escape(title))</title></rect>")
        } else {
            body.append(open + "/>")
        }
    }

    public mutating func circle(x: Double, y: Double, radius: Double, fill: String, title: String? = nil) {
        let open = "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\""
        if let title {
            body.append(open + "><title>\(Self.escape(title))</title></circle>")
        } else {
            body.append(open + "/>")
        }
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(_ text: String, x: Double, y: Double, size: Double = 11, anchor: Anchor = .start, fill: String = "#333",
                              weight: String? = nil) {
        let bold = weight.map { " font-weight=\"\($0)\"" } ?? ""
        body.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\"\(bold)>\(Self.escape(text))</text>")
    }

    /// The document: an `<svg>` a browser opens, with a white background and a sans-serif font.
    public var document: String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
        for element in body { out += element + "\n" }
        out += "</svg>\n"
        return out
    }
}

import Foundation
import WeirCore

/// A linear mapping from data values to pixels with "nice" ticks (1, 2 or 5 times a power
/// of ten), as a reader expects on a chart's axis.
public struct AxisScale: Sendable {
    public let low: Double
    public let high: Double
    public let pixelLow: Double
    public let pixelHigh: Double

    /// A scale from `low` to `high` exactly.
    public init(low: Double, high: Double, pixels: ClosedRange<Double>) {
        self.low = low
        self.high = high > low ? high : low + 1
        pixelLow = pixels.lowerBound
        pixelHigh = pixels.upperBound
    }

    /// A scale covering `values` (padded by 5%; a flat series gets a unit range around it).
    public init(covering values: [Double], pixels: ClosedRange<Double>, inverted: Bool = false, includeZero: Bool = false) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if high - low < 1e-12 * max(1, abs(high)) {
            low -= 0.5
            high += 0.5
        } else {
            let pad = (high - low) * 0.05
            low -= includeZero && low == 0 ? 0 : pad
            high += pad
        }
        self.low = low
        self.high = high
        pixelLow = inverted ? pixels.upperBound : pixels.lowerBound
        pixelHigh = inverted ? pixels.lowerBound : pixels.upperBound
    }

    public func pixel(_ value: Double) -> Double {
        pixelLow + (value - low) / (high - low) * (pixelHigh - pixelLow)
    }

    /// About `count` ticks at nice values within the range.
    public func ticks(about count: Int = 5) -> [Double] {
        let step = Self.niceStep((high - low) / Double(max(count, 1)))
        guard step > 0, step.isFinite else { return [] }
        // Multiples of the step, rounded to its decimals so 3 x 0.2 reads 0.6.
        let scale = pow(10, max(0, -(log10(step)).rounded(.down)))
        var ticks: [Double] = []
        var k = (low / step).rounded(.up)
        while k * step <= high + step * 1e-9 && ticks.count < 50 {
            let value = (k * step * scale).rounded() / scale
            ticks.append(value == 0 ? 0 : value)
            k += 1
        }
        return ticks
    }

    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 0 }
        let power = pow(10, (log10(rough)).rounded(.down))
        let fraction = rough / power
        // The nice step nearest the rough one (so "about n ticks" stays near n).
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        return nice * power
    }

    /// A tick's label: few digits, no trailing zeros (1.5k style above ten thousand).
    public static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 10_000 {
            for (divisor, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where magnitude >= divisor {
                return trimmed(value / divisor) + suffix
            }
        }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        var text = String(format: "%.4g", value)
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}

/// Ticks on a time axis (epoch milliseconds) at round UTC instants: seconds, minutes,
/// hours or days, labelled so a reader sees the date where it changes.
public struct TimeTicks: Sendable {
    public struct Tick: Sendable {
        public let time: Double
        public let label: String
    }

    /// About `count` ticks between `start` and `end` (milliseconds since the epoch).
    public static func ticks(start: Double, end: Double, about count: Int = 6) -> [Tick] {
        guard end > start, start.isFinite, end.isFinite else { return [] }
        let span = end - start
        let steps: [Double] = [1, 2, 5, 10, 15, 30].map { $0 * 1000 } + [1, 2, 5, 10, 15, 30].map { $0 * 60_000 }
            + [1, 2, 3, 6, 12].map { $0 * 3_600_000 } + [1, 2, 7, 14, 30, 91, 182, 365].map { $0 * 86_400_000 }
        let step = steps.first { span / $0 <= Double(count) } ?? steps[steps.count - 1] * (span / Double(count) / steps[steps.count - 1]).rounded(.up)
        var ticks: [Tick] = []
        var time = (start / step).rounded(.up) * step
        var previousDay: String?
        while time <= end && ticks.count < 60 {
            let (day, clock) = format(time, seconds: step < 60_000)
            let label: String
            if step >= 86_400_000 {
                label = day
            } else if day != previousDay {
                label = clock + " " + day
            } else {
                label = clock
            }
            previousDay = day
            ticks.append(Tick(time: time, label: label))
            time += step
        }
        return ticks
    }

    /// `2026-01-01` and `14:05` (or `14:05:30`) in UTC.
    public static func format(_ milliseconds: Double, seconds: Bool) -> (day: String, clock: String) {
        guard milliseconds.isFinite, abs(milliseconds) <= 3e14 else { return ("?", "?") }
        let total = Int64((milliseconds / 1000).rounded(.down))
        var days = total / 86_400
        var rest = total % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (year, month, day) = CivilDate.civil(daysSinceEpoch: Int(clamping: days))
        func two<Number: BinaryInteger>(_ value: Number) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let clock = "\(two(rest / 3600)):\(two(rest % 3600 / 60))" + (seconds ? ":\(two(rest % 60))" : "")
        return ("\(year)-\(two(month))-\(two(day))", clock)
    }
}

import Foundation
import WeirCore
import WeirMath

/// Simulated related series for DeepAR, written as SageMaker's JSON lines: each series has
/// a level (log-uniform over two decades), a linear trend, a daily and a weekly season
/// whose shapes depend on the series' kind (`cat`: 0 office-hours load, 1 evening peak,
/// 2 flat with a weekend bump), and noise proportional to the level. Files:
/// `train.jsonl` (all but the last `prediction_length` points), `test.jsonl` (whole
/// series, as SageMaker's test channel wants), and `observations.jsonl` (the last
/// `streamLength` points of every series in time order, one JSON object per point:
/// `series`, `ts` epoch seconds, `value`, `kind`, for replaying through a forecast feed).
public struct SeriesSimulator: Sendable {
    public struct Configuration: Sendable {
        public var series = 100
        public var length = 24 * 42
        public var predictionLength = 24
        /// Hourly, from 2026-01-05T00:00:00Z (a Monday).
        public var start: Int64 = 1_767_571_200
        public var noise = 0.08
        /// Points per series written to `observations.jsonl` (the last ones).
        public var streamLength = 24 * 10
        public var seed: UInt64 = 11

        public init() {}
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func series() -> [(values: [Double], kind: Int)] {
        var random = RandomSource(seed: configuration.seed)
        return (0..<configuration.series).map { _ in
            let kind = random.uniformInt(below: 3)
            let level = 10 * Double.pow(10, random.uniform() * 2)
            let trend = level * random.uniform(in: -0.0005..<0.001)
            let daily = random.uniform(in: 0.2..<0.5), weekly = random.uniform(in: 0.05..<0.2)
            let values = (0..<configuration.length).map { t -> Double in
                let hour = Double(t % 24), day = (t / 24) % 7
                let dayShape: Double
                switch kind {
                case 0: dayShape = hour >= 8 && hour < 18 ? 1 : -0.6
                case 1: dayShape = Foundation.exp(-Foundation.pow((hour - 20) / 2.5, 2)) * 2 - 0.4
                default: dayShape = Foundation.sin(2 * Double.pi * hour / 24) * 0.3
                }
                let weekShape = kind == 2 ? (day >= 5 ? 1.5 : -0.6) : (day >= 5 ? -1 : 0.4)
                let mean = level * (1 + daily * dayShape + weekly * weekShape) + trend * Double(t)
                return max(0, mean + random.normal() * configuration.noise * level)
            }
            return (values, kind)
        }
    }

    /// Writes the three files into `folder`; returns the number of series.
    @discardableResult
    public func write(to folder: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let startText: String = {
            let (year, month, day) = CivilDate.civil(daysSinceEpoch: Int(configuration.start / 86_400))
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(year)-\(two(month))-\(two(day)) 00:00:00"
        }()
        var train = "", test = ""
        var points: [(Int64, Int, String)] = []
        func number(_ value: Double) -> String { JSONWriter.string(of: .number((value * 1000).rounded() / 1000)) }
        for (index, item) in series().enumerated() {
            let all = item.values.map(number)
            train += "{\"start\":\"\(startText)\",\"target\":[\(all.dropLast(configuration.predictionLength).joined(separator: ","))],\"cat\":[\(item.kind)]}\n"
            test += "{\"start\":\"\(startText)\",\"target\":[\(all.joined(separator: ","))],\"cat\":[\(item.kind)]}\n"
            let first = max(0, configuration.length - configuration.streamLength)
            for t in first..<configuration.length {
                let time = configuration.start + Int64(t) * 3_600
                points.append((time, index, "{\"series\":\"s\(index)\",\"ts\":\(time),\"value\":\(all[t]),\"kind\":\(item.kind)}\n"))
            }
        }
        points.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        let observations = points.map(\.2).joined()
        for (name, text) in [("train.jsonl", train), ("test.jsonl", test), ("observations.jsonl", observations)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent(name))
        }
        return configuration.series
    }
}

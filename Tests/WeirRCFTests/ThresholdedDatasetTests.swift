import Foundation
import Testing
import WeirMath
import WeirRCF
import WeirTestSupport

/// The thresholded detector on the labelled streams in datasets/anomaly: every injected
/// anomaly window must be caught within a bounded delay, with few false alarms.
struct ThresholdedDatasetTests {
    struct Outcome: CustomStringConvertible {
        var windows = 0
        var caught = 0
        var delays: [Int] = []
        /// Alarms (runs of graded inputs) that touch no labelled window.
        var falseAlarms = 0
        var gradedPoints = 0
        var highestFalseGrade = 0.0
        /// False alarms whose grade reached 0.5.
        var highGradeFalseAlarms = 0
        var scores: [Double] = []
        var grades: [Double] = []
        var labels: [Bool] = []
        var description: String {
            "windows \(windows) caught \(caught) delays \(delays) false alarms \(falseAlarms) (highest grade \(highestFalseGrade), \(highGradeFalseAlarms) at 0.5 or more) graded \(gradedPoints)"
        }
    }

    static func load(_ name: String) throws -> [(value: Double, label: Bool)] {
        let path = TestPaths.repository.appendingPathComponent("datasets/anomaly/\(name)").path
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (Double(fields[1]) ?? .nan, fields[2] == "1")
        }
    }

    /// Streams a dataset through a detector. An alarm is a graded input; it belongs to a
    /// window when the window's start lies at most `delay` inputs before it (or inside it),
    /// the anomaly's start index taken into account.
    static func evaluate(_ name: String, configure: (inout ThresholdedRandomCutForest.Configuration) -> Void = { _ in },
                         delay: Int = 4) throws -> Outcome {
        let points = try load(name)
        var configuration = ThresholdedRandomCutForest.Configuration(inputDimensions: 1)
        configuration.seed = 17
        configure(&configuration)
        let detector = ThresholdedRandomCutForest(configuration)
        var windows: [Range<Int>] = []
        var start: Int?
        for (index, point) in points.enumerated() {
            if point.label, start == nil { start = index }
            if !point.label, let open = start { windows.append(open..<index); start = nil }
        }
        if let open = start { windows.append(open..<points.count) }
        var outcome = Outcome(windows: windows.count)
        var firstAlarm = [Int?](repeating: nil, count: windows.count)
        var previousWasFalse = false
        for (index, point) in points.enumerated() {
            let result = detector.process([point.value], timestamp: Int64(index))
            if index >= 300 {
                outcome.scores.append(result.score)
                outcome.grades.append(result.grade)
                outcome.labels.append(point.label)
            }
            guard result.grade > 0 else { previousWasFalse = false; continue }
            outcome.gradedPoints += 1
            let at = index + result.relativeIndex
            if let window = windows.firstIndex(where: { at >= $0.lowerBound - 1 && index <= $0.upperBound + delay }) {
                if firstAlarm[window] == nil { firstAlarm[window] = index - windows[window].lowerBound }
                previousWasFalse = false
            } else {
                if !previousWasFalse { outcome.falseAlarms += 1 }
                outcome.highestFalseGrade = max(outcome.highestFalseGrade, result.grade)
                if result.grade >= 0.5 { outcome.highGradeFalseAlarms += 1 }
                previousWasFalse = true
            }
        }
        outcome.delays = firstAlarm.compactMap { $0 }
        outcome.caught = outcome.delays.filter { $0 <= delay }.count
        return outcome
    }

    /// Measured on this build (seed 17, shingle 4, defaults otherwise; inputs after 300):
    /// spikes: 9 of 10 windows caught within 4 inputs, 18 false alarms; level shift: 1 of
    /// 2 (the return to the old level at t=3500 goes back to data the forest knows), 22;
    /// variance change 1 of 1, 8; missing values 5 of 5, 23; nearly constant 3 of 3, 6
    /// (highest false grade 0.42); periodicity break 1 of 1, 18. Bounds leave some margin.
    @Test(arguments: [("spikes.csv", 8, 24), ("level_shift.csv", 1, 30), ("variance_change.csv", 1, 12),
                      ("missing_values.csv", 5, 30), ("nearly_constant.csv", 3, 9), ("periodicity_break.csv", 1, 24)])
    func gradesCatchInjectedWindows(name: String, minimumCaught: Int, maximumFalseAlarms: Int) throws {
        let outcome = try Self.evaluate(name)
        #expect(outcome.caught >= minimumCaught, "\(name): \(outcome)")
        #expect(outcome.falseAlarms <= maximumFalseAlarms, "\(name): \(outcome)")
    }

    /// The peer's users complain of high-grade alarms on nearly constant data: here no
    /// false alarm on the nearly constant stream reaches grade 0.5, while each real step
    /// (1,000 noise deviations) is reported.
    @Test func nearlyConstantSeriesRaisesNoHighGradeFalseAlarm() throws {
        let outcome = try Self.evaluate("nearly_constant.csv")
        #expect(outcome.highGradeFalseAlarms == 0, "\(outcome)")
        #expect(outcome.caught == 3, "\(outcome)")
    }
}

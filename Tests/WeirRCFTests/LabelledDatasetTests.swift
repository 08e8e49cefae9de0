import Foundation
import Testing
import WeirMath
import WeirRCF
import WeirTestSupport

/// Detection quality on the labelled streams in datasets/anomaly (see its generate.py):
/// the ROC AUC of raw forest scores against the labels, which keeps the scores themselves
/// honest (the thresholded detector's grades are checked in ThresholdedDatasetTests).
struct LabelledDatasetTests {
    func load(_ name: String) throws -> [(value: Float?, label: Bool)] {
        let path = TestPaths.repository.appendingPathComponent("datasets/anomaly/\(name)").path
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (Float(fields[1]), fields[2] == "1")
        }
    }

    /// Scores every point with a shingle-4 forest (missing values are skipped, as a forest
    /// without imputation must) and returns the AUC after the first 300 points. A shingle
    /// is labelled anomalous when any of its points is.
    func auc(_ name: String) throws -> Double {
        var configuration = RandomCutForest.Configuration(dimensions: 4)
        configuration.shingleSize = 4
        configuration.seed = 17
        let forest = RandomCutForest(configuration)
        let points = try load(name)
        var scores: [Double] = [], labels: [Bool] = []
        for (index, point) in points.enumerated() {
            guard let value = point.value else { continue }
            let score = forest.scoreAndUpdate(vector: [value])
            let window = points[max(0, index - 3)...index]
            if index >= 300 {
                scores.append(score)
                labels.append(window.contains { $0.label })
            }
        }
        return EvaluationMetrics.rocAUC(scores: scores, labels: labels)
    }

    // Measured on this build (seed 17): spikes 0.975, level_shift 0.653 (raw scores flag
    // the jump, not the 25 labelled points after it: a grade with memory is issue 5's
    // thresholder), variance_change 0.898, missing_values 0.987, nearly_constant 1.0,
    // periodicity_break 0.719. Each bound sits a little below its measurement.
    @Test(arguments: [("spikes.csv", 0.95), ("level_shift.csv", 0.6), ("variance_change.csv", 0.85),
                      ("missing_values.csv", 0.96), ("nearly_constant.csv", 0.99), ("periodicity_break.csv", 0.68)])
    func scoresSeparateInjectedAnomalies(name: String, minimum: Double) throws {
        let value = try auc(name)
        #expect(value > minimum, "\(name): ROC AUC \(value)")
    }
}

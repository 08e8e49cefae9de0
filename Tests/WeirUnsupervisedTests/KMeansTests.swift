import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirKMeans

@Suite struct KMeansTests {
    static let centres: [[Double]] = [[0, 0, 0], [8, 0, 2], [0, 9, -3], [5, 5, 5]]

    static func train(_ raw: [String: String], _ channels: [String: String], lines: LineBox = LineBox()) throws -> KMeansModel {
        try KMeansAlgorithm.train(KMeansHyperparameters.validated(raw), context: UnsupervisedTestData.context(channels, lines: lines)).model
    }

    /// Each true centre has exactly one model centre within `tolerance`.
    static func matches(_ model: KMeansModel, tolerance: Double) -> Bool {
        centres.allSatisfy { truth in
            (0..<model.clusterCount).filter { cluster in
                zip(truth, model.centres[(cluster * 3)..<(cluster * 3 + 3)]).map { ($0 - Double($1)) * ($0 - Double($1)) }.reduce(0, +) < tolerance * tolerance
            }.count == 1
        }
    }

    @Test func findsSeparatedBlobsFromDenseAndSparseFilesAlike() throws {
        let folder = try UnsupervisedTestData.folder("kmeans")
        let rows = UnsupervisedTestData.blobs(2000, centres: Self.centres, spread: 0.5, seed: 1)
        let csv = try UnsupervisedTestData.writeCSV(rows, folder + "/train.csv")
        let libsvm = try UnsupervisedTestData.writeLibSVM(rows, folder + "/train.libsvm")
        for initMethod in ["random", "kmeans++"] {
            let raw = ["feature_dim": "3", "k": "4", "mini_batch_size": "200", "init_method": initMethod]
            let dense = try Self.train(raw, ["train": csv])
            let sparse = try Self.train(raw, ["train": libsvm])
            #expect(Self.matches(dense, tolerance: 0.15), "\(initMethod): \(dense.centres)")
            #expect(Self.matches(sparse, tolerance: 0.15), "\(initMethod): \(sparse.centres)")
            #expect(dense.weights.reduce(0, +) == 2000)
            #expect(dense.trainingRecords == 2000)
        }
    }

    @Test func reportsTestMetricsAsSageMakerDoes() throws {
        let folder = try UnsupervisedTestData.folder("kmeans-test")
        let train = try UnsupervisedTestData.writeCSV(UnsupervisedTestData.blobs(800, centres: Self.centres, spread: 0.5, seed: 2), folder + "/train.csv")
        let testRows = UnsupervisedTestData.blobs(100, centres: Self.centres, spread: 0.5, seed: 3)
        let test = try UnsupervisedTestData.writeCSV(testRows, folder + "/test.csv")
        let lines = LineBox()
        let model = try Self.train(["feature_dim": "3", "k": "4", "eval_metrics": #"[\"msd\",\"ssd\"]"#], ["train": train, "test": test], lines: lines)
        let ssd = testRows.map { model.index.closest(to: $0.map { Float($0) }).squaredDistance }.reduce(0, +)
        let metric = { (name: String) in lines.lines.first { $0.hasPrefix("#quality_metric: host=algo-1, test \(name) <loss>=") } }
        let msdLine = try #require(metric("msd"), "\(lines.lines)")
        let ssdLine = try #require(metric("ssd"))
        let value = { (line: String) in Double(line.split(separator: "=").last ?? "") ?? .nan }
        #expect(abs(value(ssdLine) - ssd) <= 1e-3 * ssd)
        #expect(abs(value(msdLine) - ssd / 100) <= 1e-3 * ssd / 100)
        // The same spread in 3 dimensions: about 3 x 0.25.
        #expect(value(msdLine) > 0.5 && value(msdLine) < 1.0)
    }

    @Test func badRecordsNameTheFileRecordAndField() throws {
        let folder = try UnsupervisedTestData.folder("kmeans-bad")
        var rows = UnsupervisedTestData.blobs(50, centres: Self.centres, spread: 0.5, seed: 4).map { $0.map { NumberText.format($0) }.joined(separator: ",") }
        rows[6] = "1,2"
        let narrow = try FixtureFiles.write(rows, to: folder, name: "narrow.csv")
        rows[6] = "1,2,1e300"
        let huge = try FixtureFiles.write(rows, to: folder, name: "huge.csv")
        let raw = ["feature_dim": "3", "k": "4"]
        #expect { try Self.train(raw, ["train": narrow]) } throws: { "\($0)".contains("narrow.csv") && "\($0)".contains("line 7") && "\($0)".contains("found 2") }
        #expect { try Self.train(raw, ["train": huge]) } throws: { "\($0)".contains("record 7") && "\($0)".contains("features[2]") }
        let few = try UnsupervisedTestData.writeCSV([[1, 2, 3], [4, 5, 6]], folder + "/few.csv")
        #expect { try Self.train(raw, ["train": few]) } throws: { "\($0)".contains("k=4") }
    }

    @Test func autoExtraCentresAndRefusedSizes() throws {
        #expect(try KMeansHyperparameters.validated(["feature_dim": "5", "k": "10"]).stageCentres == 300)
        #expect(try KMeansHyperparameters.validated(["feature_dim": "5", "k": "100"]).stageCentres == 2000)
        #expect(try KMeansHyperparameters.validated(["feature_dim": "5", "k": "5000"]).stageCentres == 10_000)
        #expect(try KMeansHyperparameters.validated(["feature_dim": "5", "k": "10", "extra_center_factor": "3"]).stageCentres == 30)
        #expect(try KMeansHyperparameters.validated(["feature_dim": "5", "k": "3", "eval_metrics": "ssd"]).evalMetrics == [.ssd])
        #expect(throws: HyperparameterError.self) { try KMeansHyperparameters.validated(["feature_dim": "5", "k": "3", "eval_metrics": "[\"mse\"]"]) }
        #expect(throws: HyperparameterError.self) {
            try KMeansHyperparameters.validated(["feature_dim": "10000000", "k": "1000000", "extra_center_factor": "1000"])
        }
    }

    /// The online rule: with a half life, a centre follows points that moved; without one,
    /// a centre of many training points barely moves.
    @Test func onlineCentresFollowDriftAtTheHalfLife() {
        let start = OnlineCentres(centres: [0, 0, 10, 10], counts: [10_000, 10_000], dimension: 2, halfLife: 0)
        var frozen = start
        var drifting = OnlineCentres(centres: [0, 0, 10, 10], counts: [100, 100], dimension: 2, halfLife: 50)
        for _ in 0..<500 {
            _ = frozen.learn([3, 0])
            _ = drifting.learn([3, 0])
        }
        #expect(abs(frozen.centres[0] - 0.14) < 0.05, "\(frozen.centres)")
        #expect(abs(drifting.centres[0] - 3) < 0.05, "\(drifting.centres)")
        #expect(drifting.centres[2] == 10 && drifting.centres[3] == 10)
        #expect(drifting.counts[0] < 100)
    }

    @Test func predictorAnswersAsSageMakerAndTakesNarrowSparseRows() throws {
        let model = KMeansModel(dimension: 3, centres: [0, 0, 0, 3, 4, 0], weights: [5, 5], trainingRecords: 10, calibration: nil)
        let predictor = KMeansPredictor(model: model)
        let answer = try predictor.predict(DataRow(features: .sparse(indices: [0, 1], values: [3, 4.5], dimension: 2)))
        #expect(answer["closest_cluster"] == .number(1))
        #expect(answer["distance_to_cluster"] == .number(0.5))
        #expect(throws: FormatError.self) { try predictor.predict(DataRow(features: .dense([1, 2]))) }
        #expect(throws: FormatError.self) { try predictor.predict(DataRow(features: .dense([1, 2, 1e300]))) }
    }
}

import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirPCA

@Suite struct PCATests {
    /// Five features from three factors of different scales, far from the origin (a large
    /// mean tests that the covariance does not lose the variance to it), with a few zeros.
    static func rows(_ count: Int, offset: Double, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { index in
            let a = random.normal(mean: 0, standardDeviation: 5), b = random.normal(mean: 0, standardDeviation: 2), c = random.normal(mean: 0, standardDeviation: 0.5)
            let row = [a + b, a - b, 0.5 * a + c, b - c, c].map { $0 + offset }
            return index % 7 == 0 ? row.enumerated().map { $0.offset == 4 ? 0 : $0.element } : row
        }
    }

    /// The covariance (or uncentred second moments) / (n - 1) by the textbook, in doubles.
    static func reference(_ rows: [[Double]], centred: Bool) throws -> (values: [Double], vectors: [[Double]]) {
        let d = rows[0].count, n = Double(rows.count)
        let mean = (0..<d).map { column in centred ? rows.map { $0[column] }.reduce(0, +) / n : 0 }
        var matrix = [Double](repeating: 0, count: d * d)
        for row in rows { for i in 0..<d { for j in 0..<d { matrix[i * d + j] += (row[i] - mean[i]) * (row[j] - mean[j]) } } }
        let (values, vectors) = try Decompositions.symmetricEigen(Tensor(shape: [d, d], scalars: matrix.map { $0 / (n - 1) }))
        let order = (0..<d).reversed()
        return (order.map { values.scalars[$0] }, order.map { column in (0..<d).map { vectors.scalars[$0 * d + column] } })
    }

    static func train(_ raw: [String: String], _ path: String) throws -> PCAModel {
        try PCAAlgorithm.train(PCAHyperparameters.validated(raw), context: UnsupervisedTestData.context(["train": path])).model
    }

    static func check(_ model: PCAModel, against reference: (values: [Double], vectors: [[Double]]), tolerance: Double) {
        for component in 0..<model.componentCount {
            let expected = reference.values[component]
            #expect(abs(model.explainedVariance[component] - expected) <= tolerance * expected, "component \(component)")
            let cosine = zip(model.components[(component * 5)..<((component + 1) * 5)], reference.vectors[component]).map { $0 * $1 }.reduce(0, +)
            #expect(abs(abs(cosine) - 1) <= tolerance, "component \(component): cos \(cosine)")
        }
    }

    @Test(arguments: ["regular", "randomized"])
    func matchesTheTextbookCovarianceFromDenseAndSparseFiles(mode: String) throws {
        let folder = try UnsupervisedTestData.folder("pca")
        let data = Self.rows(3000, offset: 1e4, seed: 1)
        let csv = try UnsupervisedTestData.writeCSV(data, folder + "/train.csv")
        // Sparse files keep zeros out, so they use rows near the origin.
        let nearOrigin = Self.rows(3000, offset: 0, seed: 1)
        let libsvm = try UnsupervisedTestData.writeLibSVM(nearOrigin, folder + "/train.libsvm")
        let raw = ["feature_dim": "5", "num_components": "3", "mini_batch_size": "256", "algorithm_mode": mode]
        let dense = try Self.train(raw, csv)
        Self.check(dense, against: try Self.reference(data, centred: true), tolerance: 1e-6)
        for column in 0..<5 {
            let mean: Double = data.map { $0[column] }.reduce(0, +) / 3000
            #expect(abs(dense.mean[column] - mean) < 1e-9 * 1e4)
        }
        let sparse = try Self.train(raw, libsvm)
        Self.check(sparse, against: try Self.reference(nearOrigin, centred: true), tolerance: 1e-6)
        var uncentred = raw
        uncentred["subtract_mean"] = "false"
        Self.check(try Self.train(uncentred, libsvm), against: try Self.reference(nearOrigin, centred: false), tolerance: 1e-6)
    }

    @Test func projectionAndReconstructionError() throws {
        let model = PCAModel(dimension: 3, components: [1, 0, 0, 0, 1, 0], explainedVariance: [4, 1], totalVariance: 5.5,
                             mean: [1, 1, 1], subtractMean: true, trainingRecords: 10, calibration: nil)
        let (projection, residual) = model.project([3, -1, 5])
        #expect(projection == [2, -2])
        #expect(residual == 4)
        let sparse = model.project(.sparse(indices: [0, 2], values: [3, 5], dimension: 3))
        #expect(sparse.projection == [2, -1] && abs(sparse.residual - 4) < 1e-12, "\(sparse)")
        let answer = try PCAPredictor(model: model).predict(DataRow(features: .dense([3, -1, 5])))
        #expect(answer["projection"] == .array([.number(2), .number(-2)]))
    }

    @Test func refusesWhatItCannotDo() throws {
        #expect { try PCAHyperparameters.validated(["feature_dim": "5", "num_components": "6", "mini_batch_size": "10"]) }
            throws: { ($0 as? HyperparameterError)?.name == "num_components" }
        #expect { try PCAHyperparameters.validated(["feature_dim": "20000", "num_components": "6", "mini_batch_size": "10"]) }
            throws: { ($0 as? HyperparameterError)?.name == "algorithm_mode" }
        #expect(try PCAHyperparameters.validated(["feature_dim": "20000", "num_components": "6", "mini_batch_size": "10",
                                                  "algorithm_mode": "randomized"]).searchedDirections == 16)
        let folder = try UnsupervisedTestData.folder("pca-one")
        let one = try UnsupervisedTestData.writeCSV([[1, 2, 3, 4, 5]], folder + "/one.csv")
        #expect { try Self.train(["feature_dim": "5", "num_components": "2", "mini_batch_size": "10"], one) } throws: { "\($0)".contains("at least 2") }
    }
}

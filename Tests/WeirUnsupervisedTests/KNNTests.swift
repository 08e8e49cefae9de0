import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirKNN

@Suite struct KNNTests {
    static func train(_ raw: [String: String], _ rows: [[Double]], label: String) throws -> KNNModel {
        let folder = try UnsupervisedTestData.folder("knn-\(label)")
        let path = try FixtureFiles.write(FixtureFiles.csvLines(rows), to: folder, name: "train.csv")
        let channel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv"), path: path)
        return try KNNAlgorithm.train(KNNHyperparameters.validated(raw),
                                      context: TrainingContext(channels: ["train": channel], metrics: MetricsReporter { _ in })).model
    }

    /// Rows `[label, x...]` of uniform noise in `dimension` features, label = cluster of x0.
    static func data(_ count: Int, dimension: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let x = (0..<dimension).map { _ in random.uniform(in: -1..<1) }
            return [x[0] > 0 ? 1 : 0] + x
        }
    }

    /// The exact k nearest by brute force in Double.
    static func bruteForce(_ rows: [[Double]], _ query: [Double], k: Int, metric: KNNHyperparameters.Metric) -> [Int] {
        func norm(_ v: ArraySlice<Double>) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let scored = rows.enumerated().map { index, row -> (Double, Int) in
            let x = row.dropFirst()
            let dot = zip(x, query).map { $0 * $1 }.reduce(0, +)
            switch metric {
            case .l2: return (zip(x, query).map { ($0 - $1) * ($0 - $1) }.reduce(0, +), index)
            case .innerProduct: return (-dot, index)
            case .cosine: return (-dot / (norm(x) * norm(query[...])), index)
            }
        }
        return scored.sorted { $0.0 < $1.0 }.prefix(k).map(\.1)
    }

    @Test(arguments: KNNHyperparameters.Metric.allCases)
    func theFlatIndexFindsTheExactNeighbours(metric: KNNHyperparameters.Metric) throws {
        let rows = Self.data(1_500, dimension: 8, seed: 1)
        let model = try Self.train(["feature_dim": "8", "k": "10", "predictor_type": "classifier", "sample_size": "1500",
                                    "index_metric": metric.rawValue], rows, label: "flat")
        #expect(model.sampleCount == 1_500)
        // The sample is the whole set, in input order (the reservoir fills before replacing).
        #expect(model.labels == rows.map { Float($0[0]) })
        var agree = 0
        for query in Self.data(40, dimension: 8, seed: 2).map({ Array($0.dropFirst()) }) {
            let found = model.neighbours(of: query.map { Float($0) }).points
            if found == Self.bruteForce(rows, query, k: 10, metric: metric) { agree += 1 }
        }
        // Float against Double may swap two neighbours at an exact tie only.
        #expect(agree >= 39, "\(metric): \(agree) of 40 queries agree")
    }

    @Test func theInvertedFileReachesHighRecallAtItsDefaults() throws {
        let rows = Self.data(20_000, dimension: 16, seed: 3)
        let model = try Self.train(["feature_dim": "16", "k": "10", "predictor_type": "classifier", "sample_size": "20000",
                                    "index_type": "faiss.IVFFlat"], rows, label: "ivf")
        #expect(model.index.lists == 141)
        #expect(model.index.probes == 17)
        var hits = 0, total = 0
        for query in Self.data(50, dimension: 16, seed: 4).map({ Array($0.dropFirst()) }) {
            let found = Set(model.neighbours(of: query.map { Float($0) }).points)
            let exact = Self.bruteForce(rows, query, k: 10, metric: .l2)
            hits += exact.filter(found.contains).count
            total += 10
        }
        #expect(Double(hits) / Double(total) >= 0.9, "recall@10 \(Double(hits) / Double(total))")
    }

    @Test(arguments: [KNNHyperparameters.Reduction.sign, .fjlt])
    func reductionsKeepDistances(kind: KNNHyperparameters.Reduction) {
        let reducer = DimensionReducer(kind: kind, input: 300, target: 150, seed: 5)
        var random = RandomSource(seed: 6)
        var ratios: [Double] = []
        for _ in 0..<100 {
            let x = (0..<300).map { _ in Float(random.normal()) }, y = (0..<300).map { _ in Float(random.normal()) }
            let before = zip(x, y).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +)
            let after = zip(reducer.reduce(x), reducer.reduce(y)).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +)
            ratios.append(after / before)
        }
        let mean = ratios.reduce(0, +) / 100
        #expect(abs(mean - 1) < 0.05, "\(kind): mean ratio \(mean)")
        #expect(ratios.allSatisfy { $0 > 0.6 && $0 < 1.4 }, "\(kind): \(ratios.min()!)...\(ratios.max()!)")
        #expect(reducer == DimensionReducer(kind: kind, input: 300, target: 150, seed: 5))
    }

    @Test func regressorAveragesAndVerboseListsTheNeighbours() throws {
        let rows: [[Double]] = [[10, 0, 0], [20, 1, 0], [30, 5, 5], [40, 6, 5]]
        let model = try Self.train(["feature_dim": "2", "k": "2", "predictor_type": "regressor", "sample_size": "4"], rows, label: "reg")
        let predictor = KNNPredictor(model: model)
        let answer = try predictor.predict(DataRow(features: .dense([0.2, 0])), verbose: true)
        #expect(answer["predicted_label"] == .number(15))
        #expect(answer["labels"] == .array([.number(10), .number(20)]))
        guard case .array(let distances)? = answer["distances"], case .number(let first)? = distances.first else {
            Issue.record("no distances: \(answer)")
            return
        }
        #expect(abs(first - 0.04) < 1e-6)
        #expect(try predictor.predict(DataRow(features: .dense([0.2, 0])))["labels"] == nil)
    }

    @Test func refusesWhatItCannotDo() throws {
        let base = ["feature_dim": "8", "k": "3", "predictor_type": "classifier", "sample_size": "100"]
        var reduced = base
        reduced["dimension_reduction_type"] = "sign"
        #expect { try KNNHyperparameters.validated(reduced) } throws: { ($0 as? HyperparameterError)?.name == "dimension_reduction_target" }
        reduced["dimension_reduction_target"] = "8"
        #expect { try KNNHyperparameters.validated(reduced) } throws: { ($0 as? HyperparameterError)?.name == "dimension_reduction_target" }
        let wide = ["feature_dim": "1000000", "k": "3", "predictor_type": "classifier", "sample_size": "100",
                    "dimension_reduction_type": "sign", "dimension_reduction_target": "500"]
        #expect { try KNNHyperparameters.validated(wide) } throws: { ($0 as? HyperparameterError)?.name == "dimension_reduction_target" }
        var fast = wide
        fast["dimension_reduction_type"] = "fjlt"
        #expect(try KNNHyperparameters.validated(fast).reducedDimension == 500)
        var big = base
        big["k"] = "200"
        #expect { try KNNHyperparameters.validated(big) } throws: { ($0 as? HyperparameterError)?.name == "k" }
        var named = base
        named["index_type"] = "inverted-file"
        #expect(try KNNHyperparameters.validated(named).index == .invertedFile)
        let unlabelled = try UnsupervisedTestData.folder("knn-nolabel")
        let path = try FixtureFiles.write(["1,2,3,4,5,6,7,8", "1,2,3,4,5,6,7,nan"], to: unlabelled, name: "x.csv")
        let channel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv;label_size=0"), path: path)
        #expect {
            try KNNAlgorithm.train(KNNHyperparameters.validated(["feature_dim": "7", "k": "1", "predictor_type": "classifier", "sample_size": "5"]),
                                   context: TrainingContext(channels: ["train": channel], metrics: MetricsReporter { _ in }))
        } throws: { "\($0)".contains("label") && "\($0)".contains("record 1") }
    }
}

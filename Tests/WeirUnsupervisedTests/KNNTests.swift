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

    /// recall@10 of a model's neighbours against an exact (flat) model of the same sample,
    /// which `theFlatIndexFindsTheExactNeighbours` checks against brute force.
    static func recall(_ model: KNNModel, exact: KNNModel, queries: [[Double]]) -> Double {
        var hits = 0
        for query in queries.map({ $0.map { Float($0) } }) {
            let found = Set(model.neighbours(of: query).points)
            hits += exact.neighbours(of: query).points.filter(found.contains).count
        }
        return Double(hits) / Double(10 * queries.count)
    }

    /// Rows `[label, x...]` around `centres` random centres in [-5, 5]^dimension (unit
    /// spread), label = the centre: data with structure, as neighbour search is used on.
    static func clusters(_ count: Int, dimension: Int, centres: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: 99)
        let middles = (0..<centres).map { _ in (0..<dimension).map { _ in random.uniform(in: -5..<5) } }
        random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let centre = random.uniformInt(below: centres)
            return [Double(centre)] + middles[centre].map { $0 + random.normal() }
        }
    }

    @Test func theQuantizedIndexKeepsBytesPerPointAndReachesHighRecallAtItsDefaults() throws {
        let base = ["feature_dim": "16", "k": "10", "predictor_type": "classifier", "sample_size": "20000"]
        let rows = Self.clusters(20_000, dimension: 16, centres: 30, seed: 3)
        let model = try Self.train(base.merging(["index_type": "faiss.IVFPQ"]) { $1 }, rows, label: "ivfpq")
        guard case .quantized(let quantizer, let codes) = model.index.storage else {
            Issue.record("not quantized: \(model.index.storage)")
            return
        }
        // auto: one value per code byte (4x smaller than Float vectors).
        #expect(quantizer.parts == 16 && quantizer.codewords == 256)
        #expect(codes.count == 20_000 * 16)
        let exact = try Self.train(base, rows, label: "exact")
        let queries = Self.clusters(200, dimension: 16, centres: 30, seed: 4).map { Array($0.dropFirst()) }
        let recall = Self.recall(model, exact: exact, queries: queries)
        #expect(recall >= 0.9, "recall@10 \(recall)")
        // Fewer bytes per point: a coarser code, lower recall, still a working index.
        let coarse = try Self.train(base.merging(["index_type": "faiss.IVFPQ", "faiss_index_pq_m": "4"]) { $1 }, rows, label: "ivfpq4")
        let coarseRecall = Self.recall(coarse, exact: exact, queries: queries)
        #expect(coarseRecall < recall && coarseRecall > 0.2, "pq_m 4: recall@10 \(coarseRecall)")
        // On uniform noise (no structure, the inverted file's hardest case) the codes cost
        // little beside the same cells with full vectors.
        let noise = Self.data(20_000, dimension: 16, seed: 5)
        let noiseQueries = Self.data(200, dimension: 16, seed: 6).map { Array($0.dropFirst()) }
        let noiseExact = try Self.train(base, noise, label: "noise-exact")
        let noiseCells = Self.recall(try Self.train(base.merging(["index_type": "faiss.IVFFlat"]) { $1 }, noise, label: "noise-ivf"),
                                     exact: noiseExact, queries: noiseQueries)
        let noiseCodes = Self.recall(try Self.train(base.merging(["index_type": "faiss.IVFPQ"]) { $1 }, noise, label: "noise-pq"),
                                     exact: noiseExact, queries: noiseQueries)
        #expect(noiseCodes >= noiseCells - 0.02, "uniform noise: recall@10 \(noiseCodes) with codes, \(noiseCells) with full vectors")
    }

    @Test(arguments: [["index_type": "faiss.Flat"], ["index_type": "faiss.IVFFlat"], ["index_type": "faiss.IVFPQ", "faiss_index_pq_m": "4"],
                      ["index_type": "faiss.Flat", "index_metric": "COSINE"], ["index_type": "faiss.IVFFlat", "index_metric": "INNER_PRODUCT"]])
    func aBatchFindsWhatQueriesOneByOneFind(settings: [String: String]) throws {
        // 10 features: a quantizer of 4 parts pads them to 12.
        let rows = Self.data(3_000, dimension: 10, seed: 7)
        let model = try Self.train(["feature_dim": "10", "k": "5", "predictor_type": "classifier", "sample_size": "3000"]
            .merging(settings) { $1 }, rows, label: "batch")
        let queries = Self.data(300, dimension: 10, seed: 8).map { $0.dropFirst().map { Float($0) } }
        let batch = model.neighbours(ofBatch: queries)
        #expect(batch.count == 300)
        var same = 0
        for (query, found) in zip(queries, batch) {
            let single = model.neighbours(of: query)
            if single.points == found.points && zip(single.scores, found.scores).allSatisfy({ abs($0 - $1) <= 1e-4 * max(1, abs($0)) }) { same += 1 }
        }
        // Different product shapes may round a tie differently, nothing more.
        #expect(same >= 298, "\(settings): \(same) of 300 agree")
        // The model file keeps the index: the same answers after a round trip.
        let reloaded = try KNNModel(snapshot: model.snapshot(), name: "model.knn")
        #expect(reloaded == model)
        #expect(reloaded.neighbours(ofBatch: Array(queries.prefix(20))).map(\.points) == batch.prefix(20).map(\.points))
    }

    @Test func aDamagedQuantizedModelIsRefused() throws {
        let rows = Self.data(600, dimension: 8, seed: 9)
        // 600 points: fewer than 256 codewords per part cannot happen here (min(256, 600)), so
        // shrink the sample to make codes above the codebook possible.
        let model = try Self.train(["feature_dim": "8", "k": "3", "predictor_type": "classifier", "sample_size": "100",
                                    "index_type": "faiss.IVFPQ", "faiss_index_pq_m": "4"], rows, label: "pq-damaged")
        guard case .quantized(let quantizer, _) = model.index.storage else {
            Issue.record("not quantized")
            return
        }
        #expect(quantizer.codewords == 100)
        var bytes = model.snapshot()
        #expect(Array(bytes[8..<12]) == [2, 0, 0, 0])
        // The codes sit just before the calibration; set one to 255 (beyond 100 codewords) and fix the checksum.
        let codesEnd = bytes.count - 4 - (try Self.calibrationBytes(model))
        bytes[codesEnd - 1] = 255
        bytes.replaceSubrange((bytes.count - 4)..., with: Self.littleEndian(CRC32.checksum(Array(bytes.dropLast(4)))))
        #expect { try KNNModel(snapshot: bytes, name: "model.knn") } throws: { "\($0)".contains("codewords") }
    }

    static func calibrationBytes(_ model: KNNModel) throws -> Int {
        var writer = BinaryWriter()
        NoveltyCalibration.write(model.calibration, to: &writer)
        return writer.bytes.count
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    @Test func batchedRequestsNameTheRecordThatFails() throws {
        let rows = Self.data(500, dimension: 4, seed: 10)
        let model = try Self.train(["feature_dim": "4", "k": "3", "predictor_type": "classifier", "sample_size": "500"], rows, label: "batch-error")
        let folder = try UnsupervisedTestData.folder("knn-requests")
        var lines = Self.data(400, dimension: 4, seed: 11).map { $0.dropFirst().map { String($0) }.joined(separator: ",") }
        let output = folder + "/answers.jsonl"
        let good = try FixtureFiles.write(lines, to: folder, name: "good.csv")
        #expect(try BatchInference.run(predictor: KNNPredictor(model: model), input: good, contentType: "text/csv", accept: .jsonLines, output: output) == 400)
        let answers = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(answers.count == 400)
        let single = try KNNPredictor(model: model).predict(DataRow(features: .dense(lines[399].split(separator: ",").map { Double($0)! })))
        #expect(String(answers[399]) == JSONWriter.string(of: .object(single)))
        // One request alone (as the stream's predict operator sends it) fails with the record's own error.
        #expect { try KNNPredictor(model: model).predict(DataRow(features: .dense([1, 2, 3]))) } throws: {
            ($0 as? FormatError)?.field == "features"
        }
        // Line 300 is in the second batch of 256 and has 3 values where the model takes 4.
        lines[299] = "1,2,3"
        let bad = try FixtureFiles.write(lines, to: folder, name: "bad.csv")
        #expect { try BatchInference.run(predictor: KNNPredictor(model: model), input: bad, contentType: "text/csv", accept: .jsonLines, output: output) }
            throws: { "\($0)".contains("line 300") }
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
        var quantized = base
        quantized["index_type"] = "faiss.IVFPQ"
        #expect(try KNNHyperparameters.validated(quantized).quantizerParts == 8)
        quantized["faiss_index_pq_m"] = "5"
        #expect { try KNNHyperparameters.validated(quantized) } throws: { ($0 as? HyperparameterError)?.name == "faiss_index_pq_m" }
        quantized["faiss_index_pq_m"] = "96"
        #expect(try KNNHyperparameters.validated(quantized).quantizerParts == 96)
        quantized["index_metric"] = "COSINE"
        #expect { try KNNHyperparameters.validated(quantized) } throws: { ($0 as? HyperparameterError)?.name == "index_metric" }
        let unlabelled = try UnsupervisedTestData.folder("knn-nolabel")
        let path = try FixtureFiles.write(["1,2,3,4,5,6,7,8", "1,2,3,4,5,6,7,nan"], to: unlabelled, name: "x.csv")
        let channel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv;label_size=0"), path: path)
        #expect {
            try KNNAlgorithm.train(KNNHyperparameters.validated(["feature_dim": "7", "k": "1", "predictor_type": "classifier", "sample_size": "5"]),
                                   context: TrainingContext(channels: ["train": channel], metrics: MetricsReporter { _ in }))
        } throws: { "\($0)".contains("label") && "\($0)".contains("record 1") }
    }
}

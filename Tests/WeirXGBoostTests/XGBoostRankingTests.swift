import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirXGBoost

/// Learning to rank (rank:pairwise, rank:ndcg, rank:map) on query groups from libsvm `qid`,
/// the ranking metrics, and the errors ranking data can raise. Exactness against xgboost
/// is in XGBoostReferenceTests (the ndcg, pairwise, map and ndcglinear cases).
@Suite struct XGBoostRankingTests {
    /// `queries` groups of `documents` records `label qid:q 0:x0 1:x1 2:x2`; relevance 0...4
    /// rises with x0 + x1² and ignores x2.
    static func queries(_ queries: Int, documents: Int, seed: UInt64, firstQuery: Int = 1) -> [String] {
        var random = RandomSource(seed: seed)
        var lines: [String] = []
        for query in 0..<queries {
            for _ in 0..<documents {
                let x = (0..<3).map { _ in random.normal(mean: 0, standardDeviation: 1) }
                let signal = x[0] + x[1] * x[1] + 0.3 * random.normal(mean: 0, standardDeviation: 1)
                let relevance = min(4, max(0, Int((signal + 1) * 1.2)))
                lines.append("\(relevance) qid:\(firstQuery + query) " + x.enumerated().map { "\($0.offset):\(NumberText.format($0.element))" }.joined(separator: " "))
            }
        }
        return lines
    }

    static func train(_ lines: [String], _ hyperparameters: [String: String], validation: [String]? = nil,
                      log: @escaping @Sendable (String) -> Void = { _ in }) throws -> TrainedModel<XGBoostModel> {
        let folder = try XGBoostBehaviourTests.scratch("rank")
        var channels = ["train": FixtureFiles.channel("train", path: try FixtureFiles.write(lines, to: folder, name: "train.libsvm"), contentType: "text/libsvm")]
        if let validation {
            channels["validation"] = FixtureFiles.channel("validation", path: try FixtureFiles.write(validation, to: folder, name: "validation.libsvm"),
                                                          contentType: "text/libsvm")
        }
        let context = TrainingContext(channels: channels, metrics: MetricsReporter(output: log))
        return try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(hyperparameters), context: context)
    }

    /// Labels, groups and features of libsvm ranking lines.
    static func parse(_ lines: [String]) -> (labels: [Float], groups: QueryGroups, rows: [[Float]]) {
        var labels: [Float] = [], starts: [Int] = [], rows: [[Float]] = []
        var last = ""
        for (index, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            labels.append(Float(parts[0])!)
            if parts[1] != last { starts.append(index); last = String(parts[1]) }
            rows.append(parts.dropFirst(2).map { Float($0.split(separator: ":")[1])! })
        }
        return (labels, QueryGroups(starts: starts + [lines.count], weights: nil), rows)
    }

    @Test(arguments: ["rank:ndcg", "rank:pairwise", "rank:map"])
    func rankingObjectivesOrderUnseenQueries(objective: String) throws {
        var train = Self.queries(80, documents: 20, seed: 1)
        var validation = Self.queries(40, documents: 20, seed: 2, firstQuery: 500)
        if objective == "rank:map" {  // relevant or not
            func binary(_ line: String) -> String { (Int(line.prefix(1))! >= 2 ? "1" : "0") + line.dropFirst(1) }
            train = train.map(binary)
            validation = validation.map(binary)
        }
        let metric = objective == "rank:map" ? "map@5" : "ndcg@5"
        let lines = LockedLines()
        let trained = try Self.train(train, ["objective": objective, "num_round": "30", "max_depth": "4", "eta": "0.2", "nthread": "2",
                                             "eval_metric": metric], validation: validation) { lines.append($0) }
        let printed = lines.all.filter { $0.hasPrefix("[") }
        #expect(printed.count == 30)
        #expect(printed.last?.contains("\tvalidation-\(metric):") == true)

        // The model's ranking of unseen queries beats ranking by chance by a wide margin.
        let (labels, groups, rows) = Self.parse(validation)
        let predictions = rows.map { trained.model.predict($0)[0] }
        var measure = EvaluationMetric(name: metric)!
        measure.exponentialGain = true
        let learned = measure.evaluate(predictions: predictions, outputs: 1, labels: labels, weights: nil, groups: groups)
        var random = RandomSource(seed: 5)
        let chance = measure.evaluate(predictions: rows.map { _ in random.uniform() }, outputs: 1, labels: labels, weights: nil, groups: groups)
        #expect(learned > chance + 0.2, "\(objective): \(metric) \(learned) against chance \(chance)")
        #expect(learned > 0.8, "\(objective): \(metric) \(learned)")
    }

    @Test func earlyStoppingFollowsTheValidationNDCGUpwards() throws {
        let trained = try Self.train(Self.queries(30, documents: 15, seed: 3), [
            "objective": "rank:ndcg", "num_round": "200", "max_depth": "6", "eta": "0.5", "nthread": "1", "early_stopping_rounds": "5",
        ], validation: Self.queries(10, documents: 15, seed: 4, firstQuery: 100))
        let best = try #require(trained.metadata.first { $0.0 == "best_iteration" }?.1.doubleValue)
        let score = try #require(trained.metadata.first { $0.0 == "best_score" }?.1.doubleValue)
        #expect(best < 195, "stopped early")
        #expect(trained.model.trees.count == Int(best) + 1)
        #expect(score > 0.5 && score <= 1)
    }

    @Test func metricNamesParseAsXGBoostSpellsThem() throws {
        let explicit = try #require(EvaluationMetric(name: "ndcg"))
        #expect(explicit.name == "ndcg" && explicit.topK == 32)  // xgboost 3's metric default truncation
        let cut = try #require(EvaluationMetric(name: "NDCG@5-"))
        #expect(cut.name == "ndcg@5-" && cut.topK == 5 && cut.minus)
        #expect(EvaluationMetric(name: "map-")?.name == "map-")
        #expect(EvaluationMetric(name: "pre@3")?.topK == 3)
        #expect(EvaluationMetric(name: "map@0") == nil)
        #expect(EvaluationMetric(name: "ndcg@2.5") == nil)
        #expect(EvaluationMetric(name: "rmse-") == nil)

        let topk = try XGBoostHyperparameters.validated(["objective": "rank:ndcg", "num_round": "1"])
        #expect(topk.metrics.map(\.name) == ["ndcg@32"])
        let mean = try XGBoostHyperparameters.validated(["objective": "rank:pairwise", "num_round": "1", "lambdarank_pair_method": "mean"])
        #expect(mean.metrics.map(\.name) == ["ndcg"] && mean.metrics[0].topK == nil)
        let map = try XGBoostHyperparameters.validated(["objective": "rank:map", "num_round": "1", "lambdarank_num_pair_per_sample": "8"])
        #expect(map.metrics.map(\.name) == ["map@8"])
    }

    @Test func groupsWithoutRelevantDocumentsScoreOneOrZero() {
        let labels: [Float] = [0, 0, 1, 0, 2, 0]
        let groups = QueryGroups(starts: [0, 2, 6], weights: nil)
        let predictions = [0.3, 0.1, 0.9, 0.8, 0.7, 0.1]
        // Group 2 ranks 1, 0, 2, 0: DCG 1 + 3/log2(4) = 2.5 against the ideal 3 + 1/log2(3).
        let second = (1 + 3 / 2.0) / (3 + 1 / log2(3.0))
        #expect(abs(EvaluationMetric(name: "ndcg")!.evaluate(predictions: predictions, outputs: 1, labels: labels, weights: nil, groups: groups)
                    - (1 + second) / 2) < 1e-12)
        #expect(abs(EvaluationMetric(name: "ndcg-")!.evaluate(predictions: predictions, outputs: 1, labels: labels, weights: nil, groups: groups)
                    - second / 2) < 1e-12)
    }

    @Test func inconsistentQueryIdsAndWeightsAreRefusedWithTheirPlace() throws {
        let missing = ["1 qid:1 0:1", "0 qid:1 0:2", "1 0:3", "0 qid:2 0:4"]
        #expect { try Self.train(missing, ["objective": "rank:ndcg", "num_round": "1"]) } throws: { error in
            let text = String(describing: error)
            return text.contains("qid") && text.contains("3") && text.contains("train.libsvm")
        }
        let notBinary = ["1 qid:1 0:1", "2 qid:1 0:2"]
        #expect { try Self.train(notBinary, ["objective": "rank:map", "num_round": "1"]) } throws: { error in
            let text = String(describing: error)
            return text.contains("label") && text.contains("binary") && text.contains("2")
        }
        let fractional = ["1.5 qid:1 0:1", "0 qid:1 0:2"]
        #expect(throws: (any Error).self) { try Self.train(fractional, ["objective": "rank:ndcg", "num_round": "1"]) }
        // Without exponential gain, any relevance trains.
        _ = try Self.train(fractional, ["objective": "rank:ndcg", "num_round": "1", "ndcg_exp_gain": "false"])

        let folder = try XGBoostBehaviourTests.scratch("rank-weights")
        let path = try FixtureFiles.write(["1,1,0.5", "0,2,0.1", "1,1,0.7"], to: folder, name: "train.csv")
        let context = TrainingContext(channels: ["train": FixtureFiles.channel("train", path: path, contentType: "text/csv")], metrics: MetricsReporter(output: { _ in }))
        #expect { try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(["objective": "rank:pairwise", "num_round": "1", "csv_weights": "1"]),
                                             context: context) } throws: { error in
            String(describing: error).contains("query group 0")
        }
    }

    @Test func aRankingModelRoundTripsThroughItsFile() throws {
        let trained = try Self.train(Self.queries(10, documents: 12, seed: 6), [
            "objective": "rank:pairwise", "num_round": "5", "lambdarank_pair_method": "mean", "lambdarank_num_pair_per_sample": "4",
            "ndcg_exp_gain": "false", "lambdarank_score_normalization": "false",
        ])
        let bytes = trained.model.snapshot()
        let read = try XGBoostModel(snapshot: bytes, name: "rank")
        #expect(read == trained.model)
        #expect(read.objective.ranking.pairMethod == .mean && read.objective.ranking.pairsPerSample == 4)
        #expect(!read.objective.ranking.exponentialGain && !read.objective.ranking.scoreNormalization)
    }

    /// Unbiased LambdaMART on clicks whose logged positions are biased: the learnt bias
    /// falls with the position, and a job resumed from its checkpoint keeps the full-precision
    /// bias, so it writes the uninterrupted job's bytes.
    @Test func unbiasedRankingLearnsThePositionBiasAndResumesExactly() throws {
        // Documents listed in a logged order; a click needs relevance and an examined position.
        var random = RandomSource(seed: 11)
        var lines: [String] = []
        for query in 0..<60 {
            var documents = (0..<10).map { _ in (0..<3).map { _ in random.normal(mean: 0, standardDeviation: 1) } }
            documents.sort { $0[0] > $1[0] }  // the logging ranker liked x0
            for (position, x) in documents.enumerated() {
                let relevant = x[0] + x[1] > 0
                let examined = random.uniform() < 1 / Double(position + 1)
                lines.append("\(relevant && examined ? 1 : 0) qid:\(query) " + x.enumerated().map { "\($0.offset):\(NumberText.format($0.element))" }.joined(separator: " "))
            }
        }
        let folder = try XGBoostBehaviourTests.scratch("unbiased")
        let data = try FixtureFiles.write(lines, to: folder, name: "clicks.libsvm")
        func run(_ rounds: Int, checkpoints: String?, model: String) throws -> [UInt8] {
            let values = ["objective": "rank:ndcg", "lambdarank_unbiased": "true", "num_round": "\(rounds)", "max_depth": "3", "nthread": "2"]
            let parsed = try Hyperparameters(values, schema: XGBoostHyperparameters.schema)
            let context = TrainingContext(
                channels: ["train": TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/libsvm"), path: data)],
                metrics: MetricsReporter(output: { _ in }),
                checkpoints: checkpoints.map { TrainingCheckpoints(directory: $0, algorithm: "xgboost", hyperparameters: parsed, epochsHyperparameter: "num_round") })
            return try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(values), context: context).model.snapshot()
        }
        let whole = try run(8, checkpoints: nil, model: "whole")
        let model = try XGBoostModel(snapshot: whole, name: "whole")
        let bias = try #require(model.objective.positionBias)
        #expect(bias.relevant.count == 32 && bias.relevant[0] == 1)  // topk tracks its k positions
        #expect(bias.relevant[1] < 1 && bias.relevant[9] < bias.relevant[1], "\(bias.relevant)")

        _ = try run(4, checkpoints: folder + "/checkpoints", model: "half")
        #expect(try run(8, checkpoints: folder + "/checkpoints", model: "resumed") == whole)
    }
}

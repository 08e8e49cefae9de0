import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
@testable import WeirXGBoost

/// Weir against xgboost 3.2 itself, on reference cases xgboost wrote
/// (`Fixtures/make_reference.py`): every objective, regularisation, loss-guided growth,
/// constraints, weights and sparse libsvm input, with missing values throughout.
@Suite struct XGBoostReferenceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let hyperparameters: [String: String]
        let data: String
        let metrics: [String: [Double]]
        var description: String { name }
    }

    static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path

    static let cases: [Case] = {
        guard let bytes = FileManager.default.contents(atPath: folder + "/cases.json"),
              case .object(let root)? = try? JSONParser.parse(Array(bytes)),
              case .object(let cases)? = root["cases"] else { return [] }
        return cases.fields.map { name, value in
            let object = value.objectValue ?? JSONObject()
            let hyperparameters = Dictionary(uniqueKeysWithValues: (object["hyperparameters"]?.objectValue?.fields ?? []).map { ($0.key, $0.value.stringValue ?? "") })
            var metrics: [String: [Double]] = [:]
            for field in object["metrics"]?.objectValue?.fields ?? [] {
                if case .array(let values) = field.value { metrics[field.key] = values.compactMap(\.doubleValue) }
            }
            return Case(name: name, hyperparameters: hyperparameters, data: object["data"]?.stringValue ?? "", metrics: metrics)
        }
    }()

    /// The case's records as the model reads them (NaN for missing values).
    static func records(_ item: Case) throws -> [[Float]] {
        let path = folder + "/" + item.data
        let format: DataFormat = item.data.hasSuffix(".libsvm") ? .libsvm : .csv
        var options = DataRowSource.Options()
        options.libsvmZeroBased = true
        let source = try DataRowSource(path: path, format: format, options: options)
        let model = try XGBoostModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/\(item.name).model.json"))), name: item.name)
        var rows: [[Float]] = []
        while let row = try source.next() {
            var values = [Float](repeating: .nan, count: model.featureCount)
            let skip = item.hyperparameters["csv_weights"] == "1" ? 1 : 0
            switch row.features {
            case .dense(let dense):
                for (index, value) in dense.dropFirst(skip).enumerated() where !value.isNaN { values[index] = Float(value) }
            case .sparse(let indices, let sparse, _):
                for (index, value) in zip(indices, sparse) { values[index] = Float(value) }
            }
            rows.append(values)
        }
        return rows
    }

    static func expectedPredictions(_ item: Case, _ kind: String = "predictions") throws -> [[Double]] {
        let text = try String(contentsOfFile: folder + "/\(item.name).\(kind).csv", encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: ",").compactMap { Double($0) } }
    }

    static func referenceModel(_ item: Case) throws -> XGBoostModel {
        try XGBoostModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/\(item.name).model.json"))), name: item.name)
    }

    static func train(_ item: Case, log: @escaping @Sendable (String) -> Void = { _ in }) throws -> XGBoostModel {
        let path = folder + "/" + item.data
        let channel = FixtureFiles.channel("train", path: path, contentType: item.data.hasSuffix(".libsvm") ? "text/libsvm" : "text/csv")
        let context = TrainingContext(channels: ["train": channel], metrics: MetricsReporter(output: log))
        return try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(item.hyperparameters), context: context).model
    }

    @Test func theReferenceCasesAreThere() {
        #expect(Self.cases.count >= 17)
    }

    /// xgboost's own model, read by Weir, predicts what xgboost predicted.
    @Test(arguments: cases) func xgboostModelsPredictTheSameInWeir(item: Case) throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/\(item.name).model.json")))
        let model = try XGBoostModel(snapshot: bytes, name: item.name)
        let expected = try Self.expectedPredictions(item)
        let rows = try Self.records(item)
        #expect(rows.count == expected.count)
        var largest = 0.0
        for (row, want) in zip(rows, expected) {
            let got = model.predict(row)
            #expect(got.count == want.count)
            for (a, b) in zip(got, want) { largest = max(largest, abs(a - b) / max(1, abs(b))) }
        }
        #expect(largest <= 1e-6, "\(item.name): largest relative difference \(largest)")
        // The packed ensemble (serving's path) gives the tree walk's margins, in batch and alone.
        let compiled = CompiledEnsemble(model)
        let batch = model.margins(batch: rows.flatMap { $0 }, count: rows.count, threads: 2)
        for (index, row) in rows.enumerated() {
            let walked = model.margins(row)
            #expect(compiled.margins(row) == walked)
            #expect(Array(batch[(index * model.outputs)..<((index + 1) * model.outputs)]) == walked)
        }
    }

    /// Trained by Weir on the same records with the same hyperparameters, the trees split on
    /// the same features at the same values, and predictions agree to Float rounding.
    @Test(arguments: cases) func weirGrowsXGBoostsTrees(item: Case) throws {
        let reference = try XGBoostModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/\(item.name).model.json"))),
                                         name: item.name)
        let model = try Self.train(item)
        #expect(model.trees.count == reference.trees.count)
        #expect(zip(model.baseScore, reference.baseScore).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) },
                "\(item.name): base_score \(model.baseScore) vs \(reference.baseScore)")
        for (index, (mine, theirs)) in zip(model.trees, reference.trees).enumerated() {
            #expect(mine.left == theirs.left && mine.right == theirs.right, "\(item.name) tree \(index): shape differs")
            guard mine.left == theirs.left else { continue }
            for node in 0..<mine.nodeCount where !mine.isLeaf(node) {
                #expect(mine.feature[node] == theirs.feature[node] && mine.condition[node] == theirs.condition[node]
                        && mine.defaultLeft[node] == theirs.defaultLeft[node],
                        "\(item.name) tree \(index) node \(node): \(mine.feature[node])<\(mine.condition[node]) vs \(theirs.feature[node])<\(theirs.condition[node])")
            }
            for node in 0..<mine.nodeCount where mine.isLeaf(node) {
                #expect(abs(mine.condition[node] - theirs.condition[node]) <= 1e-5 * max(1, abs(theirs.condition[node])))
            }
        }
        let expected = try Self.expectedPredictions(item)
        for (row, want) in zip(try Self.records(item), expected) {
            for (a, b) in zip(model.predict(row), want) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b))) }
        }
        // Unbiased LambdaMART: the position bias learnt over the rounds is xgboost's.
        #expect((model.objective.positionBias == nil) == (reference.objective.positionBias == nil))
        if let mine = model.objective.positionBias, let theirs = reference.objective.positionBias {
            #expect(mine.relevant.count == theirs.relevant.count && mine.irrelevant.count == theirs.irrelevant.count)
            for (a, b) in zip(mine.relevant + mine.irrelevant, theirs.relevant + theirs.irrelevant) {
                #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(item.name): position bias \(a) vs \(b)")
            }
        }
    }

    /// xgboost's UBJSON files (its default format) read as the same model as its JSON.
    @Test func ubjsonModelsReadAsTheirJSON() throws {
        for name in ["logistic", "softprob"] {
            let ubjson = try XGBoostModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/\(name).model.ubj"))), name: name)
            let json = try XGBoostModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/\(name).model.json"))), name: name)
            #expect(ubjson == json)
            #expect(ubjson.trees.count == 8 * json.outputs)
        }
    }

    /// TreeSHAP contributions equal xgboost's `pred_contribs` (to 1e-5) and sum to the margin.
    @Test(arguments: cases) func contributionsMatchXGBoosts(item: Case) throws {
        let model = try Self.referenceModel(item)
        let shap = TreeSHAP(model: model)
        let expected = try Self.expectedPredictions(item, "contributions")
        for (index, (row, want)) in zip(try Self.records(item), expected).enumerated() {
            let got = shap.contributions(row)
            #expect(got.count == want.count)
            let worst = zip(got, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 1e-5, "\(item.name) record \(index): largest relative difference \(worst)")
            let columns = model.featureCount + 1
            let margins = model.margins(row)
            for output in 0..<model.outputs {
                let sum = got[(output * columns)..<((output + 1) * columns)].reduce(0, +)
                #expect(abs(sum - Double(margins[output])) <= 1e-4 * max(1, abs(sum)))
            }
        }
    }

    @Test(arguments: cases.filter { ["squarederror", "softprob", "lossguide"].contains($0.name) })
    func interactionsMatchXGBoosts(item: Case) throws {
        let shap = TreeSHAP(model: try Self.referenceModel(item))
        let expected = try Self.expectedPredictions(item, "interactions")
        #expect(expected.count == 20)
        for (index, (row, want)) in zip(try Self.records(item), expected).enumerated() {
            let got = shap.interactions(row)
            #expect(got.count == want.count)
            let worst = zip(got, want).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 1e-5, "\(item.name) record \(index): largest relative difference \(worst)")
        }
    }

    /// The per-round metric lines carry xgboost's values (to the five decimals printed).
    @Test(arguments: cases) func metricLinesCarryXGBoostsValues(item: Case) throws {
        let lines = LockedLines()
        _ = try Self.train(item) { lines.append($0) }
        let printed = lines.all.filter { $0.hasPrefix("[") }
        #expect(printed.count == 8)
        for (round, line) in printed.enumerated() {
            #expect(line.hasPrefix("[\(round)]\t"))
            for (metric, values) in item.metrics {
                guard let field = line.split(separator: "\t").first(where: { $0.hasPrefix("train-\(metric):") }),
                      let value = Double(field.split(separator: ":").last ?? "") else {
                    Issue.record("\(item.name): round \(round) has no train-\(metric) in '\(line)'")
                    continue
                }
                #expect(abs(value - values[round]) <= 2e-5 * max(1, abs(values[round])),
                        "\(item.name) round \(round) \(metric): \(value) vs xgboost \(values[round])")
            }
        }
    }
}

/// Lines collected from a reporter's output.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    var all: [String] { lock.withLock { lines } }
}

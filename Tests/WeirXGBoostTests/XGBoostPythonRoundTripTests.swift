import Foundation
import Testing
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath
@testable import WeirXGBoost

/// The model file both ways through xgboost itself (3.2, installed under .tools/python by
/// `scripts/install-deps.sh --test`): Python loads the file Weir wrote and predicts what
/// Weir predicts; Weir loads the file Python wrote and predicts what Python predicts.
@Suite struct XGBoostPythonRoundTripTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pythonPath = repository.appendingPathComponent(".tools/python").path

    /// Runs a Python script with xgboost importable; returns its standard output.
    static func python(_ script: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.fileExists(atPath: pythonPath + "/xgboost") else {
            throw XGBoostUnavailable(description: "xgboost is not installed at \(pythonPath): run scripts/install-deps.sh --test (scripts/test does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = pythonPath
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XGBoostUnavailable(description: "python failed: \(failure)") }
        return text
    }

    struct XGBoostUnavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// Rows `[label, x0...x3]` with missing values, for `classes` classes (0: regression).
    static func rows(_ count: Int, classes: Int, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            var x = (0..<4).map { _ in random.normal(mean: 0, standardDeviation: 1) }
            let z = x[0] + x[1] * x[2] + 0.3 * random.normal(mean: 0, standardDeviation: 1)
            for index in x.indices where random.uniform() < 0.15 { x[index] = .nan }
            let label = classes == 0 ? z : Double(min(classes - 1, max(0, Int((z + 1.5) / 3 * Double(classes)))))
            return [label] + x
        }
    }

    static func csv(_ rows: [[Double]]) -> [String] {
        rows.map { row in row.map { $0.isNaN ? "" : NumberText.format($0) }.joined(separator: ",") }
    }

    static let predictScript = """
    import sys, numpy as np, xgboost as xgb
    model, data = sys.argv[1], sys.argv[2]
    rows = np.genfromtxt(data, delimiter=",", dtype=np.float32, missing_values="", filling_values=np.nan)
    booster = xgb.Booster()
    with open(model, "rb") as f:
        booster.load_model(bytearray(f.read()))
    for p in booster.predict(xgb.DMatrix(rows[:, 1:])).reshape(len(rows), -1):
        print(",".join(repr(float(v)) for v in p))
    """

    static let trainScript = """
    import sys, numpy as np, xgboost as xgb
    data, objective, classes, model = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rows = np.genfromtxt(data, delimiter=",", dtype=np.float32, missing_values="", filling_values=np.nan)
    params = dict(objective=objective, tree_method="hist", max_depth=4, nthread=1)
    if classes: params["num_class"] = classes
    booster = xgb.train(params, xgb.DMatrix(rows[:, 1:], label=rows[:, 0]), 12)
    booster.save_model(model)
    for p in booster.predict(xgb.DMatrix(rows[:, 1:])).reshape(len(rows), -1):
        print(",".join(repr(float(v)) for v in p))
    """

    static let objectives: [(String, Int)] = [("reg:squarederror", 0), ("binary:logistic", 2), ("multi:softprob", 3), ("count:poisson", 0),
                                                ("rank:ndcg", 5)]

    static func labels(_ rows: [[Double]], objective: String) -> [[Double]] {
        objective == "count:poisson" ? rows.map { [Double(Int(exp($0[0]) * 2))] + $0.dropFirst() } : rows
    }

    @Test(arguments: objectives.map(\.0)) func pythonXGBoostLoadsWeirsModelAndPredictsTheSame(objective: String) throws {
        let classes = Self.objectives.first { $0.0 == objective }?.1 ?? 0
        let rows = Self.labels(Self.rows(400, classes: classes, seed: 1), objective: objective)
        let folder = NSTemporaryDirectory() + "weir-xgb-py-\(UUID().uuidString)"
        let data = try FixtureFiles.write(Self.csv(rows), to: folder, name: "data.csv")
        var hp = ["num_round": "12", "objective": objective, "max_depth": "4", "nthread": "1"]
        if objective.hasPrefix("multi") { hp["num_class"] = String(classes) }
        let context = TrainingContext(channels: ["train": FixtureFiles.channel("train", path: data, contentType: "text/csv")],
                                      metrics: MetricsReporter(output: { _ in }))
        let model = try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(hp), context: context).model
        let path = folder + "/xgboost-model"
        try Data(model.snapshot()).write(to: URL(fileURLWithPath: path))
        let lines = try Self.python(Self.predictScript, [path, data]).split(separator: "\n")
        #expect(lines.count == rows.count)
        for (line, row) in zip(lines, rows) {
            let theirs = line.split(separator: ",").compactMap { Double($0) }
            let mine = model.predict(row.dropFirst().map(Float.init))
            #expect(theirs.count == mine.count)
            for (a, b) in zip(mine, theirs) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(objective): weir \(a), xgboost \(b)") }
        }
    }

    @Test(arguments: objectives.map(\.0)) func weirLoadsPythonXGBoostsModelAndPredictsTheSame(objective: String) throws {
        let classes = Self.objectives.first { $0.0 == objective }?.1 ?? 0
        let rows = Self.labels(Self.rows(400, classes: classes, seed: 2), objective: objective)
        let folder = NSTemporaryDirectory() + "weir-xgb-py-\(UUID().uuidString)"
        let data = try FixtureFiles.write(Self.csv(rows), to: folder, name: "data.csv")
        let path = folder + "/model.json"
        let lines = try Self.python(Self.trainScript, [data, objective, String(objective.hasPrefix("multi") ? classes : 0), path]).split(separator: "\n")
        let model = try XGBoostModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
        for (line, row) in zip(lines, rows) {
            let theirs = line.split(separator: ",").compactMap { Double($0) }
            let mine = model.predict(row.dropFirst().map(Float.init))
            for (a, b) in zip(mine, theirs) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(objective): weir \(a), xgboost \(b)") }
        }
    }

    /// On 30,000 records xgboost's quantile sketch prunes (its buffer holds fewer values
    /// than a feature has): Weir's sketch is xgboost's, so both grow the same trees.
    @Test(arguments: ["reg:squarederror", "rank:ndcg"]) func beyondTheExactSketchWeirStillGrowsXGBoostsTrees(objective: String) throws {
        // Values that are exact Floats, so both sides read the same numbers from the text.
        let rows = Self.rows(30_000, classes: objective == "rank:ndcg" ? 5 : 0, seed: 4).map { $0.map { Double(Float($0)) } }
        let folder = NSTemporaryDirectory() + "weir-xgb-py-\(UUID().uuidString)"
        let data = try FixtureFiles.write(Self.csv(rows), to: folder, name: "data.csv")
        let path = folder + "/model.json"
        _ = try Self.python(Self.trainScript, [data, objective, "0", path])
        let theirs = try XGBoostModel(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
        let context = TrainingContext(channels: ["train": FixtureFiles.channel("train", path: data, contentType: "text/csv")],
                                      metrics: MetricsReporter(output: { _ in }))
        let hp = ["num_round": "12", "objective": objective, "max_depth": "4", "nthread": "1"]
        let mine = try XGBoostAlgorithm.train(try XGBoostHyperparameters.validated(hp), context: context).model
        #expect(mine.trees.count == theirs.trees.count)
        var splits = 0
        for (index, (a, b)) in zip(mine.trees, theirs.trees).enumerated() {
            #expect(a.left == b.left && a.right == b.right, "\(objective) tree \(index): shape differs")
            guard a.left == b.left else { continue }
            for node in 0..<a.nodeCount where !a.isLeaf(node) {
                splits += 1
                #expect(a.feature[node] == b.feature[node] && a.condition[node] == b.condition[node] && a.defaultLeft[node] == b.defaultLeft[node],
                        "\(objective) tree \(index) node \(node): \(a.feature[node])<\(a.condition[node]) vs \(b.feature[node])<\(b.condition[node])")
            }
            for node in 0..<a.nodeCount where a.isLeaf(node) {
                #expect(abs(a.condition[node] - b.condition[node]) <= 1e-5 * max(1, abs(b.condition[node])))
            }
        }
        #expect(splits > 30)
    }
}

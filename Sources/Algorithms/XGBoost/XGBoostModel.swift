import Foundation
import WeirAlgorithm

/// A trained gradient-boosted tree ensemble: the trees with the output (class) each adds
/// to, the objective, and the intercept. Its snapshot is xgboost's JSON model format, so
/// `xgboost.Booster().load_model(...)` reads Weir's models and Weir reads xgboost's.
public struct XGBoostModel: Sendable, Equatable {
    public var objective: BoostingObjective
    public var featureCount: Int
    /// The intercept in prediction space, one per output (xgboost's `base_score`).
    public var baseScore: [Double]
    public var trees: [BoostedTree]
    /// The output each tree adds to (xgboost's `tree_info`).
    public var treeOutputs: [Int]
    /// Learner attributes kept in the file (`best_iteration`, `best_score`).
    public var attributes: [(String, String)]
    public var featureNames: [String]

    public static func == (lhs: XGBoostModel, rhs: XGBoostModel) -> Bool {
        lhs.objective == rhs.objective && lhs.featureCount == rhs.featureCount && lhs.baseScore == rhs.baseScore
            && lhs.trees == rhs.trees && lhs.treeOutputs == rhs.treeOutputs && lhs.featureNames == rhs.featureNames
            && lhs.attributes.map(\.0) == rhs.attributes.map(\.0) && lhs.attributes.map(\.1) == rhs.attributes.map(\.1)
    }

    public var outputs: Int { objective.outputs }

    /// Each output's starting margin.
    public var baseMargins: [Float] {
        (0..<outputs).map { objective.margin(ofBaseScore: baseScore[min($0, baseScore.count - 1)]) }
    }

    /// A dense record's margins (NaN for missing values).
    public func margins(_ row: [Float]) -> [Float] {
        var out = baseMargins
        row.withUnsafeBufferPointer { values in
            for (tree, output) in zip(trees, treeOutputs) { out[output] += tree.predict(values) }
        }
        return out
    }

    /// A record's prediction as xgboost's `predict` gives it.
    public func predict(_ row: [Float]) -> [Double] {
        objective.transform(margins(row)[...])
    }

    /// The leaf each tree sends a record to (xgboost's `pred_leaf`).
    public func leaves(_ row: [Float]) -> [Int] {
        trees.map { tree in tree.leaf { $0 < row.count ? row[$0] : .nan } }
    }
}

extension XGBoostModel: ModelSnapshot {
    public init(snapshot bytes: [UInt8], name: String) throws {
        self = try XGBoostModelFile.decode(bytes, name: name)
    }

    public func snapshot() -> [UInt8] {
        XGBoostModelFile.encode(self)
    }

    public var inputCount: Int? { featureCount }
}

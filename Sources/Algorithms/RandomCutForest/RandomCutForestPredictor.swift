import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats

/// Scores rows with a trained forest as SageMaker's RCF endpoint does:
/// `{"scores":[{"score":0.8}]}`. Scoring does not update the forest, so results do not
/// depend on the order of requests.
public struct RandomCutForestPredictor: BatchPredictor {
    public static let algorithm = RandomCutForestAlgorithm.info.name
    public static let responseArrayKey = "scores"
    let forest: RandomCutForest

    public init(forest: RandomCutForest) {
        self.forest = forest
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        let values = row.features.denseValues
        guard values.count == forest.configuration.dimensions else {
            throw FormatError(input: "request", .none, field: "features",
                              "has \(values.count) values; the model takes \(forest.configuration.dimensions)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FormatError(input: "request", .none, field: "features[\(bad)]", "is \(values[bad]); the forest scores finite numbers")
        }
        return JSONObject([("score", .number(forest.score(values.map { Float($0) })))])
    }
}

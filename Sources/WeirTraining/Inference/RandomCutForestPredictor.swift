import Foundation
import WeirCore
import WeirFormats
import WeirRCF

/// Scores rows with a trained forest as SageMaker's RCF endpoint does:
/// `{"scores":[{"score":0.8}]}`. Scoring does not update the forest, so results do not
/// depend on the order of requests.
public struct RandomCutForestPredictor: BatchPredictor {
    public static let algorithm = RandomCutForestJob.name
    public static let responseArrayKey = "scores"
    let forest: RandomCutForest

    public init(modelDirectory: String) throws {
        let (path, bytes) = try Self.modelFile(modelDirectory, RandomCutForestJob.snapshotFile!, what: "forest state")
        forest = try RandomCutForest(encoded: bytes, name: path)
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        let values = row.features.denseValues
        guard values.count == forest.configuration.dimensions else {
            throw FormatError(input: "request", .none, field: "features",
                              "has \(values.count) values; the model takes \(forest.configuration.dimensions)")
        }
        return JSONObject([("score", .number(forest.score(values.map { Float($0) })))])
    }
}

import WeirAlgorithm
import WeirCore
import WeirFormats

/// Answers requests as SageMaker's PCA endpoint does: `{"projections":[{"projection":[...]}]}`,
/// components in order of decreasing variance.
public struct PCAPredictor: BatchPredictor {
    public static let algorithm = PCAAlgorithm.info.name
    public static let responseArrayKey = "projections"
    let model: PCAModel

    public init(model: PCAModel) {
        self.model = model
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        let values = try row.features.checkedValues(dimension: model.dimension)
        return JSONObject([("projection", .array(model.project(values).projection.map { .number($0) }))])
    }
}

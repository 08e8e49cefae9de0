import WeirAlgorithm
import WeirCore
import WeirFormats

/// Answers requests as SageMaker's K-Means endpoint does:
/// `{"predictions":[{"closest_cluster":1.0,"distance_to_cluster":3.0}]}` (Euclidean distance).
public struct KMeansPredictor: BatchPredictor {
    public static let algorithm = KMeansAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    let model: KMeansModel
    let index: CentreIndex

    public init(model: KMeansModel) {
        self.model = model
        index = model.index
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        let vector = try row.features.checkedValues(dimension: model.dimension, asFloat: true).map { Float($0) }
        let found = index.closest(to: vector)
        return JSONObject([("closest_cluster", .number(Double(found.centre))), ("distance_to_cluster", .number(found.squaredDistance.squareRoot()))])
    }
}

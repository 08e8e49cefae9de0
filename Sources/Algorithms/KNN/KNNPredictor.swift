import WeirAlgorithm
import WeirCore
import WeirFormats

/// Answers requests as SageMaker's k-NN endpoint does: `{"predictions":[{"predicted_label":0.0}]}`;
/// with `verbose=True` also the neighbours' `labels` and `distances` (faiss's scores:
/// squared L2, inner product or cosine), best first.
public struct KNNPredictor: BatchPredictor {
    public static let algorithm = KNNAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    let model: KNNModel

    public init(model: KNNModel) {
        self.model = model
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        try predict(row, verbose: false)
    }

    public func predict(_ row: DataRow, verbose: Bool) throws -> JSONObject {
        let values = try row.features.checkedValues(dimension: model.inputDimension, asFloat: true)
        let found = model.neighbours(of: values.map { Float($0) })
        var response = JSONObject([("predicted_label", .number(model.predictedLabel(found.points)))])
        if verbose {
            response.set("labels", .array(found.points.map { .number(Double(model.labels[$0])) }))
            response.set("distances", .array(found.scores.map { .number(Double($0)) }))
        }
        return response
    }
}

import WeirAlgorithm
import WeirCore
import WeirFormats

/// Answers requests as SageMaker's Linear Learner endpoint does:
/// `{"predictions":[{"score":0.9,"predicted_label":1}]}` for a binary classifier, a list of
/// class probabilities as `score` for a multiclass one, `{"score":v}` for a regressor. A
/// sparse request costs its non-zeros, whatever the model's width.
public struct LinearLearnerPredictor: BatchPredictor {
    public static let algorithm = LinearLearnerAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    let model: LinearLearnerModel

    public init(model: LinearLearnerModel) {
        self.model = model
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        let scores = model.responseScores(model.linearOutputs(try row.features.checked(width: model.features)))
        let score: JSONValue = model.predictorType == .multiclassClassifier ? .array(scores.map { .number($0) }) : .number(scores[0])
        var response = JSONObject([("score", score)])
        if model.predictorType != .regressor { response.set("predicted_label", .number(model.predictedLabel(scores))) }
        return response
    }
}

import WeirAlgorithm
import WeirCore
import WeirFormats

/// Answers requests as SageMaker's Factorization Machines endpoint does:
/// `{"predictions":[{"score":0.8,"predicted_label":1}]}` (binary classifier, label at
/// score 0.5) or `{"predictions":[{"score":3.2}]}` (regressor). A sparse request costs its
/// non-zeros times the factors, whatever the model's width.
public struct FactorizationMachinesPredictor: BatchPredictor {
    public static let algorithm = FactorizationMachinesAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    let model: FactorizationMachinesModel

    public init(model: FactorizationMachinesModel) {
        self.model = model
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        let score = model.responseScore(model.output(try row.features.checked(width: model.features)))
        var response = JSONObject([("score", .number(score))])
        if model.predictorType == .binaryClassifier { response.set("predicted_label", .number(score >= 0.5 ? 1 : 0)) }
        return response
    }
}

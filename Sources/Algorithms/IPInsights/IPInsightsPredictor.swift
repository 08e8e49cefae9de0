import Foundation
import WeirCore
import WeirFormats
import WeirAlgorithm

/// Scores (entity, address) records as SageMaker's IP Insights endpoint does:
/// `{"predictions":[{"dot_product":1.2}]}`, plus `entity_embedding` and `ip_embedding`
/// when verbose. Entities the model was not trained on are scored all the same (as
/// SageMaker does); the batch output cannot flag them, the stream operator can.
public final class IPInsightsPredictor: BatchPredictor {
    public static let algorithm = IPInsightsAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    public static let input = PredictorInput.text
    let scorer: IPInsightsScorer

    public init(model: IPInsightsModel) {
        scorer = IPInsightsScorer(model: model)
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        throw FormatError(input: "request", .none, field: "features", "IP Insights takes an entity and an IP address as text")
    }

    public func predict(text fields: [String], verbose: Bool) throws -> JSONObject {
        let pair: LoginPair
        switch Result(catching: { () throws(LoginPair.Problem) in try LoginPair(fields: fields.map { Array($0.utf8) }) }) {
        case .success(let parsed): pair = parsed
        case .failure(let problem): throw FormatError(input: "request", .none, field: problem.field, problem.message)
        }
        let model = scorer.model
        let score = scorer.score(entityRow: model.entityRow(pair.key), address: pair.address)
        var response = JSONObject([("dot_product", .number(Double(score)))])
        if verbose {
            response["entity_embedding"] = .array(model.entityEmbedding(pair.key).map { .number(Double($0)) })
            response["ip_embedding"] = .array(scorer.embedding(of: pair.address).map { .number(Double($0)) })
        }
        return response
    }
}

import WeirAlgorithm
import WeirCore
import WeirFormats

/// Answers requests as SageMaker's XGBoost container does: one prediction per record,
/// `{"predictions":[{"score":0.83}]}` (multi:softprob: the class probabilities as the
/// score), CSV one prediction per line. Missing values (empty CSV fields, NaN, indices a
/// sparse record lacks) take each split's learned default direction.
public struct XGBoostPredictor: BatchPredictor {
    public static let algorithm = XGBoostAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    public static var preferredBatchSize: Int { 256 }
    /// libsvm indices are features as xgboost (and SageMaker's container) reads them.
    public static var libsvmZeroBased: Bool { true }
    let model: XGBoostModel

    public init(model: XGBoostModel) {
        self.model = model
    }

    /// The record as the model reads it: `featureCount` values, NaN where missing.
    func values(_ features: FeatureVector) throws(FormatError) -> [Float] {
        let width = model.featureCount
        var row = [Float](repeating: .nan, count: width)
        switch features {
        case .dense(let values):
            guard values.count == width else {
                throw FormatError(input: "request", .none, field: "features", "has \(values.count) values; the model takes \(width)")
            }
            for (index, value) in values.enumerated() where !value.isNaN {
                guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                    throw FormatError(input: "request", .none, field: "features[\(index)]", "is \(value); expected a finite number or missing")
                }
                row[index] = Float(value)
            }
        case .sparse(let indices, let values, _):
            for (index, value) in zip(indices, values) where !value.isNaN {
                guard index >= 0, index < width else {
                    throw FormatError(input: "request", .none, field: "features", "has index \(index); the model takes \(width) features")
                }
                guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                    throw FormatError(input: "request", .none, field: "features[\(index)]", "is \(value); expected a finite number or missing")
                }
                row[index] = Float(value)
            }
        }
        return row
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        let prediction = model.predict(try values(row.features))
        if model.objective.kind == .softprob {
            return JSONObject([("score", .array(prediction.map(JSONValue.number)))])
        }
        return JSONObject([("score", .number(prediction[0]))])
    }
}

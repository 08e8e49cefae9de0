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
    public static var acceptsMissingValues: Bool { true }
    let model: XGBoostModel
    let compiled: CompiledEnsemble
    let shap: TreeSHAP

    public init(model: XGBoostModel) {
        self.model = model
        compiled = CompiledEnsemble(model)
        shap = TreeSHAP(model: model)
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
        try predict(row, verbose: false)
    }

    /// Verbose responses (`Accept: application/json; verbose=True`) add what xgboost's
    /// `predict` gives with `output_margin`, `pred_leaf` and `pred_contribs`: the margin,
    /// the leaf each tree reaches, and the exact TreeSHAP contributions (one per feature,
    /// then the bias; per class for multi-class models), which sum to the margin.
    public func predict(_ row: DataRow, verbose: Bool) throws -> JSONObject {
        let record = try values(row.features)
        let margins = compiled.margins(record)
        let prediction = model.objective.transform(margins[...])
        var response = JSONObject([("score", model.objective.kind == .softprob ? .array(prediction.map(JSONValue.number)) : .number(prediction[0]))])
        guard verbose else { return response }
        let multi = model.outputs > 1
        response.set("margin", multi ? .array(margins.map { .number(Double($0)) }) : .number(Double(margins[0])))
        response.set("leaves", .array(model.leaves(record).map { .number(Double($0)) }))
        let contributions = shap.contributions(record)
        let columns = model.featureCount + 1
        if multi {
            response.set("contributions", .array((0..<model.outputs).map { output in
                .array(contributions[(output * columns)..<((output + 1) * columns)].map(JSONValue.number))
            }))
        } else {
            response.set("contributions", .array(contributions.map(JSONValue.number)))
        }
        return response
    }
}

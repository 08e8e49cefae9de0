import WeirCore

/// Feature importance as xgboost's `get_score` reports it: per feature (named `f0`, `f1`,
/// ... unless the model has names) the number of splits on it (`weight`), their summed and
/// mean loss reduction (`total_gain`, `gain`) and hessian cover (`total_cover`, `cover`).
public struct FeatureImportance: Sendable {
    public var weight: [Int: Double] = [:]
    public var totalGain: [Int: Double] = [:]
    public var totalCover: [Int: Double] = [:]
    let names: [String]

    public init(_ model: XGBoostModel) {
        names = model.featureNames
        for tree in model.trees {
            for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                let feature = Int(tree.feature[node])
                weight[feature, default: 0] += 1
                totalGain[feature, default: 0] += Double(tree.lossChange[node])
                totalCover[feature, default: 0] += Double(tree.sumHessian[node])
            }
        }
    }

    func name(_ feature: Int) -> String { feature < names.count ? names[feature] : "f\(feature)" }

    /// `{"weight": {"f0": 12, ...}, "gain": ..., "cover": ..., "total_gain": ..., "total_cover": ...}`.
    public var json: JSONValue {
        let features = weight.keys.sorted()
        func table(_ value: (Int) -> Double) -> JSONValue {
            .object(JSONObject(features.map { (name($0), JSONValue.number(value($0))) }))
        }
        return .object(JSONObject([
            ("weight", table { weight[$0] ?? 0 }),
            ("gain", table { (totalGain[$0] ?? 0) / max(weight[$0] ?? 1, 1) }),
            ("cover", table { (totalCover[$0] ?? 0) / max(weight[$0] ?? 1, 1) }),
            ("total_gain", table { totalGain[$0] ?? 0 }),
            ("total_cover", table { totalCover[$0] ?? 0 }),
        ]))
    }
}

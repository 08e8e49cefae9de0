import WeirCore
import WeirDeepAR
import WeirIPInsights
import WeirRCF

/// The algorithm-specific checks a snapshot passes before the registry takes it or a
/// stream serves it: the payload decodes as that algorithm's model, its values are finite,
/// and its inputs match what the consumer feeds it.
public enum SnapshotValidator {
    /// Algorithms whose payloads this build can check and serve.
    public static let knownAlgorithms = ["randomcutforest", "ipinsights", "deepar"]

    /// Decodes and checks the payload; `features` (when given) are the consumer's input
    /// names, which must hash to the snapshot's schema or, for a model published without
    /// names, be as many as its inputs.
    public static func validate(_ envelope: SnapshotEnvelope, features: [String]? = nil) throws {
        let name = "\(envelope.modelName):v\(envelope.modelVersion)"
        switch envelope.algorithm {
        case "randomcutforest":
            let forest = try RandomCutForest(encoded: envelope.payload, name: name)
            guard forest.hasFiniteValues else { throw SnapshotError(input: name, "the forest holds non-finite values") }
            if let features {
                try checkSchema(envelope, features: features, inputs: forest.configuration.dimensions)
            }
        case "ipinsights":
            let model = try IPInsightsModel(encoded: envelope.payload, name: name)
            guard model.hasFiniteValues else { throw SnapshotError(input: name, "the model holds non-finite values") }
        case "deepar":
            let model = try DeepARModel(encoded: envelope.payload, name: name)
            guard model.hasFiniteValues else { throw SnapshotError(input: name, "the model holds non-finite values") }
        default:
            throw SnapshotError(input: name, "unknown algorithm '\(envelope.algorithm)'; this build serves \(knownAlgorithms.joined(separator: ", "))")
        }
    }

    /// Positional names for a model published without feature names: "0", "1", ...
    public static func positionalFeatures(_ count: Int) -> [String] { (0..<count).map(String.init) }

    static func checkSchema(_ envelope: SnapshotEnvelope, features: [String], inputs: Int) throws {
        let named = SnapshotEnvelope.schemaHash(of: features)
        let anonymous = SnapshotEnvelope.schemaHash(of: positionalFeatures(features.count))
        guard envelope.featureSchemaHash == named || (envelope.featureSchemaHash == anonymous && features.count == inputs) else {
            throw SnapshotError(input: "\(envelope.modelName):v\(envelope.modelVersion)",
                                "feature schema mismatch: the model was trained on other features than \(features) (\(inputs) inputs)")
        }
    }
}

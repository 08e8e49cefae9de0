import WeirAlgorithm
import WeirCore

/// The checks a snapshot passes before the registry takes it or a stream serves it: its
/// algorithm is in the catalogue, the payload decodes as that algorithm's model (magic,
/// checksum, shapes, finite values), and its inputs match what the consumer feeds it.
public struct SnapshotValidator: Sendable {
    public let catalog: AlgorithmCatalog

    public init(catalog: AlgorithmCatalog) {
        self.catalog = catalog
    }

    /// Decodes and checks the payload and returns the model; `features` (when given) are
    /// the consumer's input names, which must hash to the snapshot's schema or, for a
    /// model published without names, be as many as its inputs.
    @discardableResult
    public func validate(_ envelope: SnapshotEnvelope, features: [String]? = nil) throws -> any ModelSnapshot {
        let name = "\(envelope.modelName):v\(envelope.modelVersion)"
        let entry: CatalogEntry
        do { entry = try catalog.entry(named: envelope.algorithm) } catch {
            throw SnapshotError(input: name, "unknown algorithm '\(envelope.algorithm)'; this build serves \(catalog.names.joined(separator: ", "))")
        }
        let model: any ModelSnapshot
        do { model = try entry.decode(snapshot: envelope.payload, name: name) } catch {
            throw SnapshotError(input: name, "\(error)")
        }
        if let features, let problem = model.featureCountProblem(features.count) {
            throw SnapshotError(input: name, "\(problem): \(features.joined(separator: ", "))")
        }
        if let features, let inputs = model.inputCount {
            try Self.checkSchema(envelope, features: features, inputs: inputs)
        }
        return model
    }

    /// Positional names for a model published without feature names: "0", "1", ...
    public static func positionalFeatures(_ count: Int) -> [String] { (0..<count).map(String.init) }

    /// Whether `features` match the envelope's schema hash (named, or positional and as
    /// many as the model's `inputs`).
    public static func checkSchema(_ envelope: SnapshotEnvelope, features: [String], inputs: Int) throws {
        let named = SnapshotEnvelope.schemaHash(of: features)
        let anonymous = SnapshotEnvelope.schemaHash(of: positionalFeatures(features.count))
        guard envelope.featureSchemaHash == named || (envelope.featureSchemaHash == anonymous && features.count == inputs) else {
            throw SnapshotError(input: "\(envelope.modelName):v\(envelope.modelVersion)",
                                "feature schema mismatch: the model was trained on other features than \(features) (\(inputs) inputs)")
        }
    }
}

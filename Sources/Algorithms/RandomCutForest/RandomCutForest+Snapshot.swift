import WeirAlgorithm
import WeirCore

extension RandomCutForest: ModelSnapshot {
    /// Decodes a forest state (magic, checksum, structure) and refuses one holding
    /// non-finite values.
    public convenience init(snapshot bytes: [UInt8], name: String) throws {
        try self.init(encoded: bytes, name: name)
        guard hasFiniteValues else { throw ModelSnapshotError(name: name, "the forest holds non-finite values") }
    }

    public func snapshot() -> [UInt8] { encoded() }

    public var inputCount: Int? { configuration.dimensions }

    /// A forest of D dimensions serves n features shingled D / n times, so n must divide D.
    public func featureCountProblem(_ count: Int) -> String? {
        let dimensions = configuration.dimensions
        guard count <= 0 || dimensions % count != 0 else { return nil }
        return "the forest has \(dimensions) dimension\(dimensions == 1 ? "" : "s"), not a multiple of the \(count) features named "
            + "(a forest over n features shingled s times has n x s dimensions)"
    }
}

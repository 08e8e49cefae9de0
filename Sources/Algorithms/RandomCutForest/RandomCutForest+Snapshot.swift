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
}

import WeirAlgorithm
import WeirCore

extension DeepARModel: ModelSnapshot {
    static let snapshotMagic = Array("WEIRDAR2".utf8)

    /// Reads a checksummed snapshot (`WEIRDAR2`) or a file of the first, unframed format
    /// (`WEIRDAR1`), and refuses a model holding non-finite parameters.
    public convenience init(snapshot bytes: [UInt8], name: String) throws {
        let body = try ChecksummedSnapshot.body(bytes, magic: Self.snapshotMagic, name: name, what: "DeepAR model") ?? bytes
        try self.init(encoded: body, name: name)
        guard hasFiniteValues else { throw ModelSnapshotError(name: name, "the model holds non-finite values") }
    }

    public func snapshot() -> [UInt8] { ChecksummedSnapshot.frame(encoded(), magic: Self.snapshotMagic) }

    public var inputCount: Int? { nil }
}

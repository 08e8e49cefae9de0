import WeirAlgorithm
import WeirCore

extension IPInsightsModel: ModelSnapshot {
    static let snapshotMagic = Array("WEIRIPI2".utf8)

    /// Reads a checksummed snapshot (`WEIRIPI2`) or a file of the first, unframed format
    /// (`WEIRIPI1`), and refuses a model holding non-finite weights.
    public init(snapshot bytes: [UInt8], name: String) throws {
        let body = try ChecksummedSnapshot.body(bytes, magic: Self.snapshotMagic, name: name, what: "IP Insights model") ?? bytes
        try self.init(encoded: body, name: name)
        guard hasFiniteValues else { throw ModelSnapshotError(name: name, "the model holds non-finite values") }
    }

    public func snapshot() -> [UInt8] { ChecksummedSnapshot.frame(encoded(), magic: Self.snapshotMagic) }

    public var inputCount: Int? { nil }
}

/// A model as bytes that travel: versioned, with magic and checksum. `init(snapshot:name:)`
/// checks everything before a model exists (magic, checksum, shapes, finite values) and
/// throws an error naming `name` instead of trapping; `snapshot()` is byte-stable, so
/// save -> load -> save gives the same bytes.
public protocol ModelSnapshot {
    init(snapshot bytes: [UInt8], name: String) throws
    func snapshot() -> [UInt8]
    /// How many numeric inputs the model takes, when it takes a feature vector (the
    /// registry checks a consumer's feature names against it); nil otherwise.
    var inputCount: Int? { get }
    /// Why `count` named features cannot feed the model (nil when they can): by default
    /// they must be `inputCount` of them; a shingled forest takes a divisor.
    func featureCountProblem(_ count: Int) -> String?
}

extension ModelSnapshot {
    public func featureCountProblem(_ count: Int) -> String? {
        guard let inputs = inputCount, inputs != count else { return nil }
        return "the model takes \(inputs) input\(inputs == 1 ? "" : "s"); \(count) feature\(count == 1 ? " was" : "s were") named"
    }
}

/// Why a snapshot was refused after it decoded: names it and says what is wrong.
public struct ModelSnapshotError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var reason: String

    public init(name: String, _ reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { "\(name): \(reason)" }
}

/// A source that cannot be read, naming the input and the byte offset or line.
public struct SourceError: Error, Sendable, CustomStringConvertible {
    public let input: String
    /// Byte offset or line number, as `unit` says.
    public let offset: Int64?
    public let unit: String
    public let message: String

    public init(input: String, offset: Int64?, unit: String = "byte", message: String) {
        self.input = input
        self.offset = offset
        self.unit = unit
        self.message = message
    }

    public var description: String {
        offset.map { "\(input): \(unit) \($0): \(message)" } ?? "\(input): \(message)"
    }
}

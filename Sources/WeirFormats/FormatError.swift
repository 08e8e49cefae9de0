/// Why a data file could not be read: it names the input, where in it (byte offset or
/// line), the field when there is one, and what was expected.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Position: Sendable, Equatable {
        case byte(Int64)
        case line(Int64)
        case record(Int64)
        case none
    }

    public var input: String
    public var position: Position
    public var field: String?
    public var message: String

    public init(input: String, _ position: Position, field: String? = nil, _ message: String) {
        self.input = input
        self.position = position
        self.field = field
        self.message = message
    }

    public var description: String {
        var text = input
        switch position {
        case .byte(let offset): text += ": byte \(offset)"
        case .line(let line): text += ": line \(line)"
        case .record(let index): text += ": record \(index)"
        case .none: break
        }
        if let field { text += ": field \(field)" }
        return text + ": " + message
    }
}

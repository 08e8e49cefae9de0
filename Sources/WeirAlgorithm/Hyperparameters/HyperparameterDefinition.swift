/// One hyperparameter of an algorithm, with SageMaker's name, type, allowed range, default
/// (nil when it is required) and a line of help. Values arrive as strings, as SageMaker
/// passes them; `Hyperparameters` checks them against these definitions.
public struct HyperparameterDefinition: Sendable {
    public enum Kind: Sendable {
        case integer(ClosedRange<Int>?)
        case real(ClosedRange<Double>?)
        case boolean
        case choice([String])
        case text
        /// A JSON-encoded list of numbers, such as `[0.1, 0.5, 0.9]`.
        case realList
        /// Text in a form only the algorithm knows (`5min`, `[5, 3]`): `expectation` says
        /// which, and `accepts` checks it.
        case custom(expectation: String, accepts: @Sendable (String) -> Bool)
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: String?
    /// Whether `auto` is accepted (the algorithm then picks the value).
    public let allowsAuto: Bool
    /// One line for `weir train ALGO --help`.
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: String? = nil, allowsAuto: Bool = false, help: String = "") {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.allowsAuto = allowsAuto
        self.help = help
    }

    public var isRequired: Bool { defaultValue == nil }

    /// The type's name for listings: integer, real, boolean, choice, text, list, custom.
    public var typeName: String {
        switch kind {
        case .integer: return "integer"
        case .real: return "real"
        case .boolean: return "boolean"
        case .choice: return "choice"
        case .text: return "text"
        case .realList: return "list"
        case .custom: return "text"
        }
    }

    /// What the value must be, for error messages.
    public var expectation: String {
        var text: String
        switch kind {
        case .integer(let range?): text = "an integer in \(range.lowerBound)...\(range.upperBound)"
        case .integer(nil): text = "an integer"
        case .real(let range?): text = "a number in \(range.lowerBound)...\(range.upperBound)"
        case .real(nil): text = "a number"
        case .boolean: text = "true or false"
        case .choice(let options): text = "one of \(options.joined(separator: ", "))"
        case .text: text = "a string"
        case .realList: text = "a JSON list of numbers"
        case .custom(let expectation, _): text = expectation
        }
        if allowsAuto { text += " or auto" }
        return text
    }
}

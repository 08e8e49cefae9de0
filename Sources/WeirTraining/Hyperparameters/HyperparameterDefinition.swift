/// One hyperparameter of an algorithm, with SageMaker's name, type, allowed range and
/// default (nil when it is required). Values arrive as strings, as SageMaker passes them.
public struct HyperparameterDefinition: Sendable {
    public enum Kind: Sendable {
        case integer(ClosedRange<Int>?)
        case real(ClosedRange<Double>?)
        case boolean
        case choice([String])
        case text
        /// A JSON-encoded list of numbers, such as `[0.1, 0.5, 0.9]`.
        case realList
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: String?
    /// Whether `auto` is accepted (the algorithm then picks the value).
    public let allowsAuto: Bool

    public init(_ name: String, _ kind: Kind, default defaultValue: String? = nil, allowsAuto: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.allowsAuto = allowsAuto
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
        }
        if allowsAuto { text += " or auto" }
        return text
    }
}

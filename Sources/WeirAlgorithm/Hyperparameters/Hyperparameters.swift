import WeirCore

/// Why hyperparameters were refused: the parameter, the value given and what was expected.
public struct HyperparameterError: Error, Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let value: String?
    public let message: String

    public init(name: String, value: String?, message: String) {
        self.name = name
        self.value = value
        self.message = message
    }

    public var description: String {
        if let value { return "hyperparameter \(name)=\(value): \(message)" }
        return "hyperparameter \(name): \(message)"
    }
}

/// A typed value of one hyperparameter after validation.
public enum HyperparameterValue: Sendable, Equatable {
    case integer(Int)
    case real(Double)
    case boolean(Bool)
    case text(String)
    case realList([Double])
    case auto
}

/// An algorithm's validated hyperparameters: every defined name has a value (given or
/// default), every given name is defined, and every value has its type and range.
/// Names SageMaker injects into tuning and framework jobs (`_tuning_objective_metric`,
/// `sagemaker_*`) are set aside in `ignored` instead of being refused.
public struct Hyperparameters: Sendable, Equatable {
    public let values: [String: HyperparameterValue]
    /// Injected names that were accepted and ignored, sorted.
    public let ignored: [String]

    /// Whether SageMaker adds `name` to the hyperparameters of its own accord.
    public static func isInjectedBySageMaker(_ name: String) -> Bool {
        name.hasPrefix("_") || name.hasPrefix("sagemaker_")
    }

    /// Validates `raw` (string values, as in SageMaker's hyperparameters.json) against `schema`.
    public init(_ raw: [String: String], schema: [HyperparameterDefinition]) throws(HyperparameterError) {
        let known = Dictionary(schema.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var ignored: [String] = []
        for name in raw.keys.sorted() where known[name] == nil {
            if Self.isInjectedBySageMaker(name) {
                ignored.append(name)
                continue
            }
            let close = schema.map(\.name).filter { Self.editDistance($0, name) <= 2 }
            let hint = close.isEmpty ? "known: \(schema.map(\.name).sorted().joined(separator: ", "))" : "did you mean \(close.joined(separator: " or "))?"
            throw HyperparameterError(name: name, value: raw[name], message: "unknown hyperparameter (\(hint))")
        }
        var values: [String: HyperparameterValue] = [:]
        for definition in schema {
            guard let text = raw[definition.name] ?? definition.defaultValue else {
                throw HyperparameterError(name: definition.name, value: nil, message: "required: expected \(definition.expectation)")
            }
            values[definition.name] = try Self.parse(text, definition)
        }
        self.values = values
        self.ignored = ignored
    }

    /// The value of `key`, typed. Throws only when `key` was not in the schema validated.
    public subscript<Value>(_ key: HyperparameterKey<Value>) -> Value {
        get throws(HyperparameterError) {
            guard let value = values[key.name], let typed = key.convert(value) else {
                throw HyperparameterError(name: key.name, value: nil, message: "not in this algorithm's schema")
            }
            return typed
        }
    }

    static func parse(_ raw: String, _ definition: HyperparameterDefinition) throws(HyperparameterError) -> HyperparameterValue {
        let text = raw.trimmingCharacters(in: " \t\"")
        func fail() -> HyperparameterError {
            HyperparameterError(name: definition.name, value: raw, message: "expected \(definition.expectation)")
        }
        if definition.allowsAuto && text.lowercased() == "auto" { return .auto }
        switch definition.kind {
        case .integer(let range):
            // SageMaker SDKs sometimes send integers as "10.0".
            // Bounded as a Double first: converting (or negating) Int.min would trap.
            guard let number = Double(text), number == number.rounded(), abs(number) < 9e15, let value = Int(exactly: number) else { throw fail() }
            if let range, !range.contains(value) { throw fail() }
            return .integer(value)
        case .real(let range):
            guard let value = Double(text), value.isFinite else { throw fail() }
            if let range, !range.contains(value) { throw fail() }
            return .real(value)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: throw fail()
            }
        case .choice(let options):
            guard let match = options.first(where: { $0.lowercased() == text.lowercased() }) else { throw fail() }
            return .text(match)
        case .text:
            return .text(text)
        case .custom(_, let accepts):
            guard accepts(text) else { throw fail() }
            return .text(text)
        case .realList:
            guard case .array(let items)? = try? JSONParser.parse(text) else { throw fail() }
            var numbers: [Double] = []
            for item in items {
                switch item {
                case .number(let number) where number.isFinite: numbers.append(number)
                case .string(let string): guard let number = Double(string), number.isFinite else { throw fail() }; numbers.append(number)
                default: throw fail()
                }
            }
            return .realList(numbers)
        }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        var row = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return x.isEmpty ? y.count : row[y.count]
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        return String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}

/// A typed handle on one hyperparameter: its definition (for the schema, validation and
/// `--help`) and how its validated value becomes a Swift value. An algorithm's
/// hyperparameter set declares one key per parameter and reads each once, typed:
/// `numTrees = try values[Self.numTrees]`.
public struct HyperparameterKey<Value: Sendable>: Sendable {
    public let definition: HyperparameterDefinition
    let convert: @Sendable (HyperparameterValue) -> Value?

    public init(_ definition: HyperparameterDefinition, convert: @escaping @Sendable (HyperparameterValue) -> Value?) {
        self.definition = definition
        self.convert = convert
    }

    public var name: String { definition.name }
}

extension HyperparameterKey where Value == Int {
    public static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int? = nil, help: String) -> Self {
        Self(HyperparameterDefinition(name, .integer(range), default: value.map(String.init), help: help)) {
            if case .integer(let number) = $0 { return number }
            return nil
        }
    }
}

extension HyperparameterKey where Value == Int? {
    /// An integer the algorithm picks itself when given `auto` (the default).
    public static func integerOrAuto(_ name: String, _ range: ClosedRange<Int>, help: String) -> Self {
        Self(HyperparameterDefinition(name, .integer(range), default: "auto", allowsAuto: true, help: help)) {
            switch $0 {
            case .integer(let number): return .some(number)
            case .auto: return .some(nil)
            default: return nil
            }
        }
    }
}

extension HyperparameterKey where Value == Double {
    public static func real(_ name: String, _ range: ClosedRange<Double>, default value: Double? = nil, help: String) -> Self {
        Self(HyperparameterDefinition(name, .real(range), default: value.map { "\($0)" }, help: help)) {
            switch $0 {
            case .real(let number): return number
            case .integer(let number): return Double(number)
            default: return nil
            }
        }
    }
}

extension HyperparameterKey where Value == Double? {
    /// A number the algorithm picks itself when given `auto` (the default).
    public static func realOrAuto(_ name: String, _ range: ClosedRange<Double>, help: String) -> Self {
        Self(HyperparameterDefinition(name, .real(range), default: "auto", allowsAuto: true, help: help)) {
            switch $0 {
            case .real(let number): return .some(number)
            case .integer(let number): return .some(Double(number))
            case .auto: return .some(nil)
            default: return nil
            }
        }
    }
}

extension HyperparameterKey where Value == Bool? {
    /// A flag the algorithm sets itself when given `auto` (the default).
    public static func booleanOrAuto(_ name: String, help: String) -> Self {
        Self(HyperparameterDefinition(name, .boolean, default: "auto", allowsAuto: true, help: help)) {
            switch $0 {
            case .boolean(let flag): return .some(flag)
            case .auto: return .some(nil)
            default: return nil
            }
        }
    }
}

extension HyperparameterKey where Value == Bool {
    public static func boolean(_ name: String, default value: Bool? = nil, help: String) -> Self {
        Self(HyperparameterDefinition(name, .boolean, default: value.map { $0 ? "true" : "false" }, help: help)) {
            if case .boolean(let flag) = $0 { return flag }
            return nil
        }
    }
}

extension HyperparameterKey where Value == String {
    public static func text(_ name: String, default value: String? = nil, help: String) -> Self {
        Self(HyperparameterDefinition(name, .text, default: value, help: help)) {
            if case .text(let text) = $0 { return text }
            return nil
        }
    }
}

extension HyperparameterKey where Value == [Double] {
    public static func realList(_ name: String, default value: String? = nil, help: String) -> Self {
        Self(HyperparameterDefinition(name, .realList, default: value, help: help)) {
            if case .realList(let list) = $0 { return list }
            return nil
        }
    }
}

extension HyperparameterKey {
    /// One of the raw values of `Value` (compared without case).
    public static func choice(_ name: String, default value: Value? = nil, help: String) -> Self
    where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
        Self(HyperparameterDefinition(name, .choice(Value.allCases.map(\.rawValue)), default: value?.rawValue, help: help)) {
            guard case .text(let text) = $0 else { return nil }
            return Value(rawValue: text)
        }
    }

    /// Text in an algorithm's own form, parsed by `parse` (nil: refused, with `expectation`
    /// in the error).
    public static func parsed(_ name: String, expecting expectation: String, default value: String? = nil, help: String,
                              _ parse: @escaping @Sendable (String) -> Value?) -> Self {
        Self(HyperparameterDefinition(name, .custom(expectation: expectation, accepts: { parse($0) != nil }), default: value, help: help)) {
            guard case .text(let text) = $0 else { return nil }
            return parse(text)
        }
    }
}

import WeirCore
import WeirFormats

/// Why an online operator's settings were refused: the key and what was expected. The
/// topology loader reports it at the key's line.
public struct OperatorConfigError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}

/// An online operator's own settings from a topology, as JSON values (the loader turns the
/// YAML into them), read with typed, checked accessors: a missing key is nil, a key of the
/// wrong type or range is an error naming it.
public struct OperatorConfig: Sendable, Equatable {
    public let values: JSONObject
    /// The features the topology's schema names, for operators that read them when they
    /// are given no field list.
    public let schemaFeatures: [String]

    public init(_ values: JSONObject, schemaFeatures: [String] = []) {
        self.values = values
        self.schemaFeatures = schemaFeatures
    }

    public func has(_ key: String) -> Bool { values[key] != nil }

    public func string(_ key: String) throws(OperatorConfigError) -> String? {
        switch values[key] {
        case nil: return nil
        case .string(let text)?: return text
        case .number(let number)?: return NumberText.format(number)
        case let other?: throw OperatorConfigError(key: key, "expected text, found \(other.kindName)")
        }
    }

    /// A string, or nil when the key is missing or written as null (`alert_variant: null`).
    public func optionalString(_ key: String) throws(OperatorConfigError) -> String?? {
        if case .null? = values[key] { return .some(nil) }
        guard has(key) else { return nil }
        return .some(try string(key))
    }

    public func strings(_ key: String) throws(OperatorConfigError) -> [String]? {
        switch values[key] {
        case nil: return nil
        case .array(let items)?:
            return try items.map { item throws(OperatorConfigError) in
                guard case .string(let text) = item else { throw OperatorConfigError(key: key, "expected a list of names") }
                return text
            }
        case .string(let text)?: return [text]
        case let other?: throw OperatorConfigError(key: key, "expected a list of names, found \(other.kindName)")
        }
    }

    public func bool(_ key: String) throws(OperatorConfigError) -> Bool? {
        switch values[key] {
        case nil: return nil
        case .bool(let flag)?: return flag
        case let other?: throw OperatorConfigError(key: key, "expected true or false, found \(other.kindName)")
        }
    }

    /// One number or a list of them (`ignore_near_expected: 0.5` or `[0.5, 2]`).
    public func numberOrNumbers(_ key: String, in range: ClosedRange<Double>? = nil) throws(OperatorConfigError) -> [Double]? {
        if case .number? = values[key] { return [try double(key, in: range)].compactMap { $0 } }
        return try doubles(key, in: range)
    }

    public func double(_ key: String, in range: ClosedRange<Double>? = nil) throws(OperatorConfigError) -> Double? {
        guard let value = values[key] else { return nil }
        guard case .number(let number) = value, number.isFinite else { throw OperatorConfigError(key: key, "expected a number, found \(value.kindName)") }
        if let range, !range.contains(number) { throw OperatorConfigError(key: key, "expected a number in \(range.lowerBound)...\(range.upperBound), found \(number)") }
        return number
    }

    public func int(_ key: String, in range: ClosedRange<Int>) throws(OperatorConfigError) -> Int? {
        guard let value = values[key] else { return nil }
        guard case .number(let number) = value, let integer = Int(exactly: number), range.contains(integer) else {
            throw OperatorConfigError(key: key, "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(JSONWriter.string(of: value))")
        }
        return integer
    }

    public func doubles(_ key: String, in range: ClosedRange<Double>? = nil) throws(OperatorConfigError) -> [Double]? {
        guard let value = values[key] else { return nil }
        guard case .array(let items) = value else { throw OperatorConfigError(key: key, "expected a list of numbers, found \(value.kindName)") }
        return try items.map { item throws(OperatorConfigError) in
            guard case .number(let number) = item, number.isFinite, range.map({ $0.contains(number) }) ?? true else {
                throw OperatorConfigError(key: key, "expected numbers\(range.map { " in \($0.lowerBound)...\($0.upperBound)" } ?? ""), found \(JSONWriter.string(of: item))")
            }
            return number
        }
    }

    public func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, _: Choice.Type) throws(OperatorConfigError) -> Choice?
    where Choice.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = Choice(rawValue: text) else {
            throw OperatorConfigError(key: key, "expected one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'")
        }
        return value
    }
}

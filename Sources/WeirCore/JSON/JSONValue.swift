/// A JSON document as a value. Objects keep their key order, so a record that passes
/// through Weir unchanged is written back with its fields in the order they arrived.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The number, if this is one.
    public var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The object, if this is one.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// A short name of the kind of value, for error messages ("expected a number, found a string").
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// An ordered JSON object. Lookups are linear: records are small and order matters more
/// than asymptotics here; a hash index would cost an allocation per record.
public struct JSONObject: Sendable, Equatable {
    public var fields: [(key: String, value: JSONValue)]

    public init(_ fields: [(key: String, value: JSONValue)] = []) {
        self.fields = fields
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public var count: Int { fields.count }
    public var keys: [String] { fields.map(\.key) }

    /// The value of `key`, or nil when the object has no such key.
    public subscript(key: String) -> JSONValue? {
        get {
            for field in fields where field.key == key { return field.value }
            return nil
        }
        set {
            if let index = fields.firstIndex(where: { $0.key == key }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key, newValue))
            }
        }
    }

    /// Adds or replaces `key` (appended at the end when new).
    public mutating func set(_ key: String, _ value: JSONValue) {
        self[key] = value
    }
}

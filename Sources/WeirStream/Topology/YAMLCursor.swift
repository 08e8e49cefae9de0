import WeirCore
import Yams

/// A position in a parsed YAML document that knows its file, line and key path, so every
/// reading error names them. Unknown keys are reported too: a misspelt option must not
/// be silently ignored.
struct YAMLCursor {
    let node: Node
    let file: String
    let path: String

    var line: Int? { node.mark?.line }

    func error(_ message: String) -> TopologyError {
        TopologyError(file: file, line: line, key: path, message: message)
    }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    var isMapping: Bool { if case .mapping = node { return true } else { return false } }
    /// A plain (unquoted) empty, `~` or `null` scalar; a quoted "~" is a string.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The mapping's keys in document order; throws unless this is a mapping.
    func keys() throws(TopologyError) -> [String] {
        guard case .mapping(let mapping) = node else {
            if isNull { return [] }
            throw error("expected a mapping of keys to values")
        }
        return mapping.keys.compactMap(\.string)
    }

    /// The child at `key`, or nil when absent (or explicitly null).
    func optional(_ key: String) throws(TopologyError) -> YAMLCursor? {
        guard case .mapping(let mapping) = node else {
            if isNull { return nil }
            throw error("expected a mapping with key '\(key)'")
        }
        for (name, value) in mapping where name.string == key {
            let child = YAMLCursor(node: value, file: file, path: childPath(key))
            return child.isNull ? nil : child
        }
        return nil
    }

    func required(_ key: String) throws(TopologyError) -> YAMLCursor {
        guard let child = try optional(key) else {
            throw TopologyError(file: file, line: line, key: childPath(key), message: "missing required key")
        }
        return child
    }

    /// Rejects keys other than `allowed`, naming the first unknown one and its line.
    func allowOnly(_ allowed: [String]) throws(TopologyError) {
        guard case .mapping(let mapping) = node else { return }
        for (name, _) in mapping {
            let key = name.string ?? "?"
            if !allowed.contains(key) {
                throw TopologyError(file: file, line: name.mark?.line, key: childPath(key),
                                    message: "unknown key; expected one of: \(allowed.joined(separator: ", "))")
            }
        }
    }

    func elements() throws(TopologyError) -> [YAMLCursor] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { index, element in
            YAMLCursor(node: element, file: file, path: "\(path)[\(index)]")
        }
    }

    func string() throws(TopologyError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a string") }
        return scalar.string
    }

    /// A file or folder path, resolved against the topology file's folder (`TopologyPath`).
    func filePath() throws(TopologyError) -> String {
        TopologyPath.resolve(try string(), topologyFile: file)
    }

    func int() throws(TopologyError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected an integer")
        }
        return value
    }

    func double() throws(TopologyError) -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            throw error("expected a finite number")
        }
        return value
    }

    func bool() throws(TopologyError) -> Bool {
        guard case .scalar(let scalar) = node else { throw error("expected true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false")
        }
    }

    /// A list of strings; a single string is accepted as a list of one.
    func strings() throws(TopologyError) -> [String] {
        if case .scalar = node { return [try string()] }
        var result: [String] = []
        for element in try elements() { result.append(try element.string()) }
        return result
    }

    /// A mapping of scalar keys to scalar values (for `kafka:` property maps, renames).
    func stringMap() throws(TopologyError) -> [(String, String)] {
        var result: [(String, String)] = []
        for key in try keys() {
            result.append((key, try required(key).string()))
        }
        return result
    }

    /// The single key of a one-key mapping such as `- filter: {...}`, with its value.
    func singleEntry() throws(TopologyError) -> (String, YAMLCursor) {
        let names = try keys()
        guard names.count == 1, let name = names.first else {
            throw error("expected a mapping with exactly one key naming its kind")
        }
        let value = try optional(name) ?? YAMLCursor(node: Node("", Tag(.null)), file: file, path: childPath(name))
        return (name, value)
    }

    /// The value as JSON, for settings an algorithm reads itself: plain scalars become
    /// null, booleans or numbers where they read as such, quoted ones stay strings.
    func jsonValue() throws(TopologyError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            if isNull { return .null }
            switch scalar.string {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let number = Double(scalar.string), number.isFinite { return .number(number) }
            return .string(scalar.string)
        case .sequence:
            var items: [JSONValue] = []
            for element in try elements() { items.append(try element.jsonValue()) }
            return .array(items)
        case .mapping(let mapping):
            var object = JSONObject()
            for (name, value) in mapping {
                let key = name.string ?? "?"
                object.set(key, try YAMLCursor(node: value, file: file, path: childPath(key)).jsonValue())
            }
            return .object(object)
        case .alias:
            throw error("aliases are not supported here")
        }
    }

    /// The cursor of `key` even when its value is null (`optional` skips nulls).
    func entry(_ key: String) -> YAMLCursor? {
        guard case .mapping(let mapping) = node else { return nil }
        for (name, value) in mapping where name.string == key {
            return YAMLCursor(node: value, file: file, path: childPath(key))
        }
        return nil
    }
}

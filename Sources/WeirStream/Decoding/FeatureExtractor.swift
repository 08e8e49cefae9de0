import WeirCore

/// Applies a topology's schema: takes the key from a field and builds the feature vector
/// (NaN for missing values, or a dead letter when the schema forbids them).
public struct FeatureExtractor: Sendable {
    public let spec: SchemaSpec

    public init(_ spec: SchemaSpec) {
        self.spec = spec
    }

    public func apply(to event: inout Event) throws(RecordError) {
        if let keyField = spec.key {
            switch event.fields[keyField] {
            case .string(let text)?: event.key = Array(text.utf8)
            case .number(let number)?: event.key = Array(JSONWriter.bytes(of: .number(number)))
            case nil, .null?:
                throw RecordError(.schema, field: keyField, "the key field is missing")
            case let other?:
                throw RecordError(.schema, field: keyField, "expected a string or number key, found \(other.kindName)")
            }
        }
        guard !spec.features.isEmpty else { return }
        var vector: [Double] = []
        vector.reserveCapacity(spec.features.count)
        for name in spec.features {
            let number: Double
            switch event.fields[name] {
            case .number(let value)?: number = value
            case nil, .null?: number = .nan
            case .string(let text)? where text.lowercased() == "nan": number = .nan
            case let other?:
                throw RecordError(.schema, field: name, "expected a number, found \(other.kindName)")
            }
            if spec.missing == .reject, !number.isFinite {
                throw RecordError(.schema, field: name, "expected a finite number (schema forbids missing values), found \(number.isNaN ? "NaN or nothing" : "\(number)")")
            }
            vector.append(number)
        }
        event.features = vector
    }
}

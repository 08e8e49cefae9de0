import WeirCore

/// Where an online operator reads its numbers: named fields of each event (`features:
/// [cpu, latency]`), or, when the topology names none, the feature vector its schema
/// extracted.
public struct FeatureInput: Sendable, Equatable {
    public let names: [String]
    /// Whether `names` are fields to read (else the event's schema features are the input).
    public let readsFields: Bool

    public init(names: [String], readsFields: Bool) {
        self.names = names
        self.readsFields = readsFields
    }

    /// The `features` setting, or the schema's features; an error when neither names any.
    public init(_ config: OperatorConfig) throws(OperatorConfigError) {
        let fields = try config.strings("features") ?? []
        let names = fields.isEmpty ? config.schemaFeatures : fields
        guard !names.isEmpty else { throw OperatorConfigError(key: "features", "expected 'features' (or a schema with features) to score") }
        self.init(names: names, readsFields: !fields.isEmpty)
    }

    /// Refuses a model that takes another number of features than this input reads.
    public func requireModel(width: Int, algorithm: String) throws {
        guard width == names.count else {
            throw ModelSnapshotError(name: algorithm, "the model takes \(width) features; the operator reads \(names.count) (\(names.joined(separator: ", ")))")
        }
    }

    /// The event's values in order: a missing or null field is NaN (the operator decides
    /// what a gap means); text must parse as a number; anything else is refused naming the field.
    public func values(of event: Event) throws(RecordError) -> [Double] {
        guard readsFields else {
            guard event.features.count == names.count else {
                throw RecordError(.process, "expected \(names.count) features from the schema, found \(event.features.count)")
            }
            return event.features
        }
        var values: [Double] = []
        values.reserveCapacity(names.count)
        for field in names {
            switch event.fields[field] {
            case .number(let number)?: values.append(number)
            case nil, .null?: values.append(.nan)
            case .string(let text)?:
                guard let number = Double(text) else { throw RecordError(.process, field: field, "expected a number, found \"\(text.prefix(60))\"") }
                values.append(number)
            default: throw RecordError(.process, field: field, "expected a number")
            }
        }
        return values
    }

    /// The values as Float, refused naming the field when one is missing, non-finite or
    /// outside Float's range (for operators without imputation).
    public func finiteFloats(of event: Event) throws(RecordError) -> [Float] {
        let values = try values(of: event)
        var floats: [Float] = []
        floats.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            let single = Float(value)
            guard single.isFinite else {
                let field = readsFields ? names[index] : "features[\(index)]"
                throw RecordError(.process, field: field, value.isNaN ? "missing: expected a number" : "is \(value); expected a finite number")
            }
            floats.append(single)
        }
        return floats
    }
}

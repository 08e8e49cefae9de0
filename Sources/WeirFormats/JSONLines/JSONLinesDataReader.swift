import WeirCore

/// Reads rows from JSON lines as SageMaker's JSON-lines requests and augmented manifests
/// carry them: one object per line with the features under `features` (an array, or a
/// `{"values", "keys", "shape"}` tensor), optionally wrapped in `data`, and an optional
/// label (a number or an array). An augmented manifest names its attributes: pass them as
/// `featuresAttribute` and `labelAttribute`.
public final class JSONLinesDataReader {
    let lines: JSONLineInput
    public let featuresAttribute: String
    public let labelAttribute: String
    public var line: Int64 { lines.line }

    public init(_ input: ByteInput, featuresAttribute: String = "features", labelAttribute: String = "label") {
        input.skipByteOrderMark()
        lines = JSONLineInput(input)
        self.featuresAttribute = featuresAttribute
        self.labelAttribute = labelAttribute
    }

    public convenience init(path: String, featuresAttribute: String = "features", labelAttribute: String = "label") throws(FormatError) {
        self.init(try ByteInput(path: path), featuresAttribute: featuresAttribute, labelAttribute: labelAttribute)
    }

    public func next() throws(FormatError) -> DataRow? {
        guard let value = try lines.next() else { return nil }
        let decoder = JSONRowDecoder(featuresAttribute: featuresAttribute, labelAttribute: labelAttribute)
        return try decoder.row(value) { (field, message) in lines.failure(field, message) }
    }
}

/// Turns one JSON value in SageMaker's request shapes into a row: an object with the
/// features under `features` (an array, or a `{"values", "keys", "shape"}` tensor),
/// optionally wrapped in `data`, and an optional label. Shared by JSON-lines files and
/// `application/json` request bodies (`{"instances": [...]}`).
public struct JSONRowDecoder: Sendable {
    public let featuresAttribute: String
    public let labelAttribute: String

    public init(featuresAttribute: String = "features", labelAttribute: String = "label") {
        self.featuresAttribute = featuresAttribute
        self.labelAttribute = labelAttribute
    }

    /// `fail(field, message)` builds the error naming where the value came from.
    public func row(_ value: JSONValue, fail: (String?, String) -> FormatError) throws(FormatError) -> DataRow {
        guard case .object(var object) = value else { throw fail(nil, "expected a JSON object, found \(value.kindName)") }
        if object[featuresAttribute] == nil, case .object(let data)? = object["data"] { object = data.merging(object) }
        guard let featureValue = object[featuresAttribute] else {
            throw fail(featuresAttribute, "missing (the object has \(object.keys.joined(separator: ", ")))")
        }
        let features = try featureVector(featureValue, field: featuresAttribute, fail)
        var label: [Double] = []
        if let labelValue = object[labelAttribute], labelValue != .null {
            label = try featureVector(labelValue, field: labelAttribute, fail).denseValues
        }
        return DataRow(features: features, label: label)
    }

    private func numbers(_ value: JSONValue, field: String, _ fail: (String?, String) -> FormatError) throws(FormatError) -> [Double] {
        switch value {
        case .number(let number): return [number]
        case .array(let items):
            return try JSONLineInput.numbers(items, field: field, expected: "a number", fail)
        default: throw fail(field, "expected a number or an array of numbers, found \(value.kindName)")
        }
    }

    private func featureVector(_ value: JSONValue, field: String, _ fail: (String?, String) -> FormatError) throws(FormatError) -> FeatureVector {
        guard case .object(let tensor) = value else { return .dense(try numbers(value, field: field, fail)) }
        guard let valuesEntry = tensor["values"] else { throw fail(field, "a tensor object needs 'values'") }
        let values = try numbers(valuesEntry, field: "\(field).values", fail)
        let keys = try tensor["keys"].map { (entry) throws(FormatError) in try numbers(entry, field: "\(field).keys", fail) } ?? []
        let shape = try tensor["shape"].map { (entry) throws(FormatError) in try numbers(entry, field: "\(field).shape", fail) } ?? []
        if keys.isEmpty && values.isEmpty, let columns = shape.first, columns > 0 { // a sparse row of zeros
            return try FeatureShape.sparse(keys: keys, values: values, declaredDimension: columns, field: field,
                                           index: FeatureShape.integer, fail: fail)
        }
        if keys.isEmpty { return .dense(values) }
        return try FeatureShape.sparse(keys: keys, values: values, declaredDimension: shape.first, field: field,
                                       index: FeatureShape.integer, fail: fail)
    }
}

extension JSONObject {
    /// This object's fields, then `other`'s fields that this one lacks.
    func merging(_ other: JSONObject) -> JSONObject {
        var result = self
        for field in other.fields where result[field.key] == nil { result.set(field.key, field.value) }
        return result
    }
}

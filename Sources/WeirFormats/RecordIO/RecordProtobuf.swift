import SwiftProtobuf

/// Converts between `DataRow`s and SageMaker's protobuf `Record`, the payload of each
/// RecordIO frame. Encoding writes exactly what the Python SDK's
/// `write_numpy_to_dense_tensor` / `write_spmatrix_to_sparse_tensor` write: features and
/// label under the key "values", sparse rows with their column keys and `shape = [columns]`.
public enum RecordProtobuf {
    public static let valuesKey = "values"

    public static func encode(_ row: DataRow, featureType: TensorElementType = .float32,
                              labelType: TensorElementType = .float32) -> [UInt8] {
        var record = Aialgs_Data_Record()
        switch row.features {
        case .dense(let values):
            record.features[valuesKey] = tensor(values, keys: [], shape: [], type: featureType)
        case .sparse(let indices, let values, let dimension):
            record.features[valuesKey] = tensor(values, keys: indices.map(UInt64.init), shape: [UInt64(dimension)], type: featureType)
        }
        if !row.label.isEmpty {
            record.label[valuesKey] = tensor(row.label, keys: [], shape: [], type: labelType)
        }
        // Serialising this message cannot fail: every field is set and proto2-valid.
        return (try? record.serializedBytes()) ?? []
    }

    private static func tensor(_ values: [Double], keys: [UInt64], shape: [UInt64], type: TensorElementType) -> Aialgs_Data_Value {
        var value = Aialgs_Data_Value()
        switch type {
        case .float32:
            var t = Aialgs_Data_Float32Tensor()
            t.values = values.map(Float.init)
            t.keys = keys
            t.shape = shape
            value.float32Tensor = t
        case .float64:
            var t = Aialgs_Data_Float64Tensor()
            t.values = values
            t.keys = keys
            t.shape = shape
            value.float64Tensor = t
        case .int32:
            var t = Aialgs_Data_Int32Tensor()
            t.values = values.map { Int32(clamping: Int64($0.rounded())) }
            t.keys = keys
            t.shape = shape
            value.int32Tensor = t
        }
        return value
    }

    /// Decodes one payload; `input` and `offset` name it in errors.
    public static func decode(_ payload: [UInt8], input: String, offset: Int64) throws(FormatError) -> DataRow {
        let record: Aialgs_Data_Record
        do {
            record = try Aialgs_Data_Record(serializedBytes: payload)
        } catch {
            throw FormatError(input: input, .byte(offset), "invalid protobuf Record: \(error)")
        }
        guard let featureValue = entry(record.features, input: input, offset: offset, what: "features") else {
            throw FormatError(input: input, .byte(offset), field: "features", "the record has no features")
        }
        let features = try featureVector(featureValue, input: input, offset: offset)
        var label: [Double] = []
        if let labelValue = entry(record.label, input: input, offset: offset, what: "label") {
            label = try featureVector(labelValue, input: input, offset: offset, field: "label").denseValues
        }
        return DataRow(features: features, label: label)
    }

    /// The "values" entry, or the only entry under another name.
    private static func entry(_ map: [String: Aialgs_Data_Value], input: String, offset: Int64, what: String) -> Aialgs_Data_Value? {
        if let value = map[valuesKey] { return value }
        return map.count == 1 ? map.first?.value : nil
    }

    private static func featureVector(_ value: Aialgs_Data_Value, input: String, offset: Int64,
                                      field: String = "features") throws(FormatError) -> FeatureVector {
        let values: [Double], keys: [UInt64], shape: [UInt64]
        switch value.value {
        case .float32Tensor(let t)?: (values, keys, shape) = (t.values.map(Double.init), t.keys, t.shape)
        case .float64Tensor(let t)?: (values, keys, shape) = (t.values, t.keys, t.shape)
        case .int32Tensor(let t)?: (values, keys, shape) = (t.values.map(Double.init), t.keys, t.shape)
        case .bytes?: throw FormatError(input: input, .byte(offset), field: field, "holds raw bytes, expected a numeric tensor")
        case nil: throw FormatError(input: input, .byte(offset), field: field, "holds no tensor")
        }
        if keys.isEmpty && values.isEmpty, let columns = shape.first, shape.count == 1, columns > 0 {
            return .sparse(indices: [], values: [], dimension: Int(columns)) // a sparse row of zeros
        }
        if keys.isEmpty {
            let expected = shape.reduce(1, *)
            if !shape.isEmpty && Int(expected) != values.count {
                throw FormatError(input: input, .byte(offset), field: field, "shape \(shape) needs \(expected) values, found \(values.count)")
            }
            return .dense(values)
        }
        guard keys.count == values.count else {
            throw FormatError(input: input, .byte(offset), field: field, "sparse tensor with \(keys.count) keys and \(values.count) values")
        }
        let dimension = shape.first.map(Int.init) ?? Int(keys.max()! + 1)
        var previous = -1
        for key in keys {
            guard key < UInt64(dimension), Int(key) > previous else {
                throw FormatError(input: input, .byte(offset), field: field,
                                  "sparse key \(key) out of order or outside the dimension \(dimension)")
            }
            previous = Int(key)
        }
        return .sparse(indices: keys.map { Int($0) }, values: values, dimension: dimension)
    }
}

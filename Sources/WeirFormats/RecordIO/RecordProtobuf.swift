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
        return (try? record.serializedBytes(options: deterministic)) ?? []
    }

    /// An inference response record: each output under its own key in `label`, as
    /// float32 tensors (how SageMaker's algorithms answer in RecordIO-protobuf).
    public static func encodeOutputs(_ outputs: [String: [Double]]) -> [UInt8] {
        var record = Aialgs_Data_Record()
        for (key, values) in outputs { record.label[key] = tensor(values, keys: [], shape: [], type: .float32) }
        return (try? record.serializedBytes(options: deterministic)) ?? []
    }

    /// Map entries in key order, so the same outputs always give the same bytes.
    static let deterministic: BinaryEncodingOptions = {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        return options
    }()

    /// A value as an int32 tensor holds it: rounded to the nearest whole number; nil when
    /// not finite or outside Int32's range.
    public static func int32Value(_ value: Double) -> Int32? {
        Int32(exactly: value.rounded())
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
            t.values = values.map { int32Value($0) ?? 0 } // writers check first (DataRowSink)
            t.keys = keys
            t.shape = shape
            value.int32Tensor = t
        }
        return value
    }

    /// Decodes one payload; `input` and `offset` name it in errors.
    public static func decode(_ payload: [UInt8], input: String, offset: Int64) throws(FormatError) -> DataRow {
        let decoded: (features: RecordWireDecoder.Tensor?, label: RecordWireDecoder.Tensor?)
        do {
            decoded = try RecordWireDecoder.decode(payload)
        } catch {
            throw FormatError(input: input, .byte(offset), "invalid protobuf Record at payload byte \(error.offset): \(error.reason)")
        }
        guard let featureTensor = decoded.features else {
            throw FormatError(input: input, .byte(offset), field: "features", "the record has no features")
        }
        let features = try featureVector(featureTensor, input: input, offset: offset)
        var label: [Double] = []
        if let labelTensor = decoded.label {
            label = try featureVector(labelTensor, input: input, offset: offset, field: "label").denseValues
        }
        return DataRow(features: features, label: label)
    }

    /// Decodes one payload through the generated swift-protobuf message: slower, kept as
    /// the reference the hand decoder is tested against.
    public static func decodeWithGeneratedCode(_ payload: [UInt8], input: String, offset: Int64) throws(FormatError) -> DataRow {
        let record: Aialgs_Data_Record
        do {
            record = try Aialgs_Data_Record(serializedBytes: payload)
        } catch {
            throw FormatError(input: input, .byte(offset), "invalid protobuf Record: \(error)")
        }
        func tensor(_ map: [String: Aialgs_Data_Value]) -> RecordWireDecoder.Tensor? {
            guard let value = map[valuesKey] ?? (map.count == 1 ? map.first?.value : nil) else { return nil }
            switch value.value {
            case .float32Tensor(let t)?: return .init(values: t.values.map(Double.init), keys: t.keys, shape: t.shape, kind: .numeric)
            case .float64Tensor(let t)?: return .init(values: t.values, keys: t.keys, shape: t.shape, kind: .numeric)
            case .int32Tensor(let t)?: return .init(values: t.values.map(Double.init), keys: t.keys, shape: t.shape, kind: .numeric)
            case .bytes?: return .init(kind: .bytes)
            case nil: return .init(kind: .missing)
            }
        }
        guard let featureTensor = tensor(record.features) else {
            throw FormatError(input: input, .byte(offset), field: "features", "the record has no features")
        }
        let features = try featureVector(featureTensor, input: input, offset: offset)
        let label = try tensor(record.label).map { (t) throws(FormatError) in try featureVector(t, input: input, offset: offset, field: "label").denseValues } ?? []
        return DataRow(features: features, label: label)
    }

    private static func featureVector(_ tensor: RecordWireDecoder.Tensor, input: String, offset: Int64,
                                      field: String = "features") throws(FormatError) -> FeatureVector {
        switch tensor.kind {
        case .bytes: throw FormatError(input: input, .byte(offset), field: field, "holds raw bytes, expected a numeric tensor")
        case .missing: throw FormatError(input: input, .byte(offset), field: field, "holds no tensor")
        case .numeric: break
        }
        let (values, keys, shape) = (tensor.values, tensor.keys, tensor.shape)
        let fail = { (name: String?, message: String) in FormatError(input: input, .byte(offset), field: name ?? field, message) }
        if keys.isEmpty && values.isEmpty, let columns = shape.first, shape.count == 1, columns > 0 { // a sparse row of zeros
            return try FeatureShape.sparse(keys: keys, values: values, declaredDimension: columns, field: field,
                                           index: FeatureShape.integer, fail: fail)
        }
        if keys.isEmpty {
            var expected: UInt64 = 1
            for size in shape {
                let (product, overflow) = expected.multipliedReportingOverflow(by: size)
                guard !overflow else { throw fail("\(field).shape", "shape \(shape) declares more values than can exist") }
                expected = product
            }
            if !shape.isEmpty && expected != UInt64(values.count) {
                throw fail("\(field).shape", "shape \(shape) needs \(expected) values, found \(values.count)")
            }
            return .dense(values)
        }
        return try FeatureShape.sparse(keys: keys, values: values, declaredDimension: shape.first, field: field,
                                       index: FeatureShape.integer, fail: fail)
    }
}

/// Decodes SageMaker's protobuf `Record` straight from its wire format into a `DataRow`,
/// without building the generated message (a dictionary of `Value`s per record). It reads
/// packed and unpacked repeated fields, skips unknown fields, and lets a later map entry
/// with the same key win, as protobuf parsers do. The generated swift-protobuf code stays
/// the reference: tests decode random records with both and compare.
struct RecordWireDecoder {
    struct Failure: Error {
        let offset: Int
        let reason: String
    }

    /// A tensor as found on the wire.
    struct Tensor {
        var values: [Double] = []
        var keys: [UInt64] = []
        var shape: [UInt64] = []
        var kind: Kind = .missing

        enum Kind { case missing, numeric, bytes }
    }

    private let bytes: UnsafeRawBufferPointer
    private var position: Int

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        position = 0
    }

    /// The features and label tensors stored under "values" (or a map's only key).
    static func decode(_ payload: [UInt8]) throws(Failure) -> (features: Tensor?, label: Tensor?) {
        var result: Result<(Tensor?, Tensor?), Failure> = .success((nil, nil))
        payload.withUnsafeBytes { raw in
            var decoder = RecordWireDecoder(raw)
            do throws(Failure) {
                result = .success(try decoder.record())
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: position, reason: reason) }

    private mutating func varint() throws(Failure) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw fail("truncated varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw fail("varint longer than 10 bytes") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// The bounds of a length-delimited field's body.
    private mutating func lengthDelimited() throws(Failure) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(bytes.count - position) else { throw fail("length \(length) runs past the end of the record") }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    private mutating func skip(wireType: UInt64) throws(Failure) {
        switch wireType {
        case 0: _ = try varint()
        case 1: try advance(8)
        case 2: _ = try lengthDelimited()
        case 5: try advance(4)
        default: throw fail("unsupported wire type \(wireType)")
        }
    }

    private mutating func advance(_ count: Int) throws(Failure) {
        guard bytes.count - position >= count else { throw fail("truncated fixed-width field") }
        position += count
    }

    /// Runs `body` over the fields of the message in `range`, then restores the position.
    private mutating func fields(in range: Range<Int>, _ body: (inout RecordWireDecoder, UInt64, UInt64) throws(Failure) -> Void) throws(Failure) {
        var inner = RecordWireDecoder(UnsafeRawBufferPointer(rebasing: bytes[..<range.upperBound]))
        inner.position = range.lowerBound
        while inner.position < range.upperBound {
            let tag = try inner.varint()
            let field = tag >> 3, wireType = tag & 7
            guard field > 0 else { throw inner.fail("field number 0") }
            try body(&inner, field, wireType)
        }
        guard inner.position == range.upperBound else { throw inner.fail("a field runs past its message") }
    }

    /// The entries of one map field: the "values" entry SageMaker uses, or the map's only
    /// key. A repeated key keeps its last entry, as protobuf maps do.
    private struct MapChoice {
        var values: Tensor?
        var other: Tensor?
        var otherKey: String?
        var distinctOtherKeys = 0

        mutating func add(_ key: String, _ tensor: Tensor) {
            if key == RecordProtobuf.valuesKey {
                values = tensor
            } else {
                if key != otherKey { distinctOtherKeys += 1 }
                otherKey = key
                other = tensor
            }
        }

        var chosen: Tensor? { values ?? (distinctOtherKeys == 1 ? other : nil) }
    }

    private mutating func record() throws(Failure) -> (Tensor?, Tensor?) {
        var features = MapChoice(), label = MapChoice()
        try fields(in: 0..<bytes.count) { (decoder: inout RecordWireDecoder, field, wireType) throws(Failure) in
            guard field == 1 || field == 2, wireType == 2 else {
                try decoder.skip(wireType: wireType)
                return
            }
            let (key, tensor) = try decoder.mapEntry(try decoder.lengthDelimited())
            if field == 1 { features.add(key, tensor) } else { label.add(key, tensor) }
        }
        return (features.chosen, label.chosen)
    }

    private mutating func mapEntry(_ range: Range<Int>) throws(Failure) -> (String, Tensor) {
        var key = ""
        var tensor = Tensor()
        try fields(in: range) { (decoder: inout RecordWireDecoder, field, wireType) throws(Failure) in
            switch (field, wireType) {
            case (1, 2):
                let body = try decoder.lengthDelimited()
                guard let text = String(validating: UnsafeRawBufferPointer(rebasing: decoder.bytes[body]), as: UTF8.self) else {
                    throw decoder.fail("map key is not valid UTF-8")
                }
                key = text
            case (2, 2): tensor = try decoder.value(try decoder.lengthDelimited())
            default: try decoder.skip(wireType: wireType)
            }
        }
        return (key, tensor)
    }

    private mutating func value(_ range: Range<Int>) throws(Failure) -> Tensor {
        var tensor = Tensor()
        try fields(in: range) { (decoder: inout RecordWireDecoder, field, wireType) throws(Failure) in
            switch (field, wireType) {
            case (2, 2): tensor = try decoder.tensor(try decoder.lengthDelimited(), element: .float32)
            case (3, 2): tensor = try decoder.tensor(try decoder.lengthDelimited(), element: .float64)
            case (7, 2): tensor = try decoder.tensor(try decoder.lengthDelimited(), element: .int32)
            case (9, 2):
                _ = try decoder.lengthDelimited()
                tensor = Tensor(kind: .bytes)
            default: try decoder.skip(wireType: wireType)
            }
        }
        return tensor
    }

    private mutating func tensor(_ range: Range<Int>, element: TensorElementType) throws(Failure) -> Tensor {
        var tensor = Tensor(kind: .numeric)
        try fields(in: range) { (decoder: inout RecordWireDecoder, field, wireType) throws(Failure) in
            switch field {
            case 1: try decoder.values(into: &tensor.values, element: element, wireType: wireType)
            case 2: try decoder.unsigned(into: &tensor.keys, wireType: wireType)
            case 3: try decoder.unsigned(into: &tensor.shape, wireType: wireType)
            default: try decoder.skip(wireType: wireType)
            }
        }
        return tensor
    }

    private mutating func values(into values: inout [Double], element: TensorElementType, wireType: UInt64) throws(Failure) {
        switch (element, wireType) {
        case (.float32, 2):
            let body = try lengthDelimited()
            guard body.count % 4 == 0 else { throw fail("packed float32 values of \(body.count) bytes") }
            values.reserveCapacity(values.count + body.count / 4)
            var offset = body.lowerBound
            while offset < body.upperBound {
                values.append(Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))))
                offset += 4
            }
        case (.float32, 5):
            try advance(4)
            values.append(Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position - 4, as: UInt32.self)))))
        case (.float64, 2):
            let body = try lengthDelimited()
            guard body.count % 8 == 0 else { throw fail("packed float64 values of \(body.count) bytes") }
            values.reserveCapacity(values.count + body.count / 8)
            var offset = body.lowerBound
            while offset < body.upperBound {
                values.append(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
                offset += 8
            }
        case (.float64, 1):
            try advance(8)
            values.append(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position - 8, as: UInt64.self))))
        case (.int32, 2):
            let body = try lengthDelimited()
            let end = position
            position = body.lowerBound
            while position < body.upperBound { values.append(Double(Int32(truncatingIfNeeded: try varint()))) }
            guard position == body.upperBound else { throw fail("packed int32 values run past their field") }
            position = end
        case (.int32, 0):
            values.append(Double(Int32(truncatingIfNeeded: try varint())))
        default:
            throw fail("tensor values with wire type \(wireType) for \(element.rawValue)")
        }
    }

    private mutating func unsigned(into values: inout [UInt64], wireType: UInt64) throws(Failure) {
        switch wireType {
        case 2:
            let body = try lengthDelimited()
            let end = position
            position = body.lowerBound
            while position < body.upperBound { values.append(try varint()) }
            guard position == body.upperBound else { throw fail("packed keys run past their field") }
            position = end
        case 0:
            values.append(try varint())
        default:
            throw fail("keys or shape with wire type \(wireType)")
        }
    }
}

import WeirCore

/// The compact, versioned binary form of a `ParameterStore`: magic `WEIRPRM1`, a format
/// version, then per parameter its name, element type, shape and little-endian values,
/// and a CRC-32 of everything before it. Saving, loading and saving again gives the same
/// bytes, so snapshots can be compared and deduplicated by hash.
public enum ParameterArchive {
    public static let magic = Array("WEIRPRM1".utf8)
    public static let version: UInt16 = 1

    public static func encode<Scalar: TensorScalar>(_ store: ParameterStore<Scalar>) -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + store.scalarCount * MemoryLayout<Scalar>.size)
        writer.append(raw: magic)
        writer.write(version)
        writer.write(UInt32(store.names.count))
        for (name, value) in zip(store.names, store.values) {
            writer.write(string: name)
            writer.write(Scalar.typeTag)
            writer.write(UInt8(value.rank))
            for dimension in value.shape { writer.write(UInt64(dimension)) }
            for scalar in value.scalars {
                if let single = scalar as? Float {
                    writer.write(single.bitPattern)
                } else {
                    writer.write(Double(scalar).bitPattern)
                }
            }
        }
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// Reads an archive into a new store; `name` labels errors (a file path).
    public static func decode<Scalar: TensorScalar>(_ bytes: [UInt8], name: String, as _: Scalar.Type = Scalar.self) throws -> ParameterStore<Scalar> {
        var reader = BinaryReader(bytes, name: name)
        guard bytes.count >= magic.count + 4, Array(bytes.prefix(magic.count)) == magic else {
            throw reader.error("not a Weir parameter archive (expected magic WEIRPRM1)")
        }
        var trailer = BinaryReader(Array(bytes.suffix(4)), name: name)
        let stored = try trailer.read(UInt32.self)
        guard stored == CRC32.checksum(bytes.dropLast(4)) else {
            throw reader.error("checksum mismatch: the archive is corrupt or truncated")
        }
        reader = BinaryReader(Array(bytes.dropLast(4)), name: name, offset: magic.count)
        let fileVersion = try reader.read(UInt16.self)
        guard fileVersion == version else { throw reader.error("unsupported archive version \(fileVersion) (this build reads \(version))") }
        let count = try reader.read(UInt32.self)
        let store = ParameterStore<Scalar>()
        for _ in 0..<count {
            let parameterName = try reader.readString()
            let tag = try reader.read(UInt8.self)
            guard tag == Scalar.typeTag else {
                throw reader.error("parameter '\(parameterName)' holds element type \(tag), expected \(Scalar.typeTag) (\(Scalar.self))")
            }
            let rank = Int(try reader.read(UInt8.self))
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(try reader.readCount(maximum: reader.remaining, "dimension of '\(parameterName)'")) }
            var elements = 1
            for size in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow, product <= reader.remaining else {
                    throw reader.error("parameter '\(parameterName)' of shape \(shape) is longer than the archive")
                }
                elements = product
            }
            guard elements * MemoryLayout<Scalar>.size <= reader.remaining else {
                throw reader.error("parameter '\(parameterName)' of shape \(shape) is longer than the archive")
            }
            var scalars: [Scalar] = []
            scalars.reserveCapacity(elements)
            for _ in 0..<elements {
                if Scalar.self == Float.self {
                    scalars.append(Scalar(Float(bitPattern: try reader.read(UInt32.self))))
                } else {
                    scalars.append(Scalar(Double(bitPattern: try reader.read(UInt64.self))))
                }
            }
            store.register(parameterName, Tensor(shape: shape, scalars: scalars))
        }
        try reader.expectEnd()
        return store
    }

    /// Copies the values of an archive into an existing store of the same layout (a model
    /// built by its code, then loaded), checking names and shapes.
    public static func load<Scalar: TensorScalar>(_ bytes: [UInt8], name: String, into store: ParameterStore<Scalar>) throws {
        let loaded: ParameterStore<Scalar> = try decode(bytes, name: name)
        guard loaded.names == store.names else {
            throw BinaryReader(bytes, name: name).error("parameters \(loaded.names) do not match the model's \(store.names)")
        }
        for key in store.keys {
            guard loaded[key].shape == store[key].shape else {
                throw BinaryReader(bytes, name: name)
                    .error("parameter '\(store.name(of: key))' has shape \(loaded[key].shape), the model needs \(store[key].shape)")
            }
            store[key] = loaded[key]
        }
    }
}

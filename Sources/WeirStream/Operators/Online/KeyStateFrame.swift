import WeirCore

/// How a key's state travels to the changelog and the state directory: magic, format
/// version, the algorithm's name, the model version the state started from (empty when
/// states do not start from a model), its state bytes, and a CRC-32 of all of it, so a
/// damaged or foreign state is refused before the algorithm decodes it.
enum KeyStateFrame {
    static let magic = Array("WKEY".utf8)

    static func frame(_ state: [UInt8], algorithm: String, seededBy: String) -> [UInt8] {
        var writer = BinaryWriter(capacity: state.count + algorithm.utf8.count + seededBy.utf8.count + 32)
        writer.append(raw: magic)
        writer.write(UInt8(2))
        writer.write(string: algorithm)
        writer.write(string: seededBy)
        writer.write(bytes: state)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    static func isFramed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= magic.count && bytes[0] == magic[0] && bytes[1] == magic[1] && bytes[2] == magic[2] && bytes[3] == magic[3]
    }

    /// The state bytes and the version that started them (version 1 frames carry none).
    static func body(_ bytes: [UInt8], algorithm: String, name: String) throws -> (state: [UInt8], seededBy: String) {
        var reader = try BinaryReader.checkedBody(bytes, magic: magic, name: name, what: "Weir key state")
        let version: UInt8 = try reader.read()
        guard version == 1 || version == 2 else { throw reader.error("unknown key state version \(version); expected 1 or 2") }
        let owner = try reader.readString()
        guard owner == algorithm else { throw reader.error("a \(owner) key state, not \(algorithm)") }
        let seededBy = version >= 2 ? try reader.readString() : ""
        let state = try reader.readBytes()
        try reader.expectEnd()
        return (state, seededBy)
    }
}

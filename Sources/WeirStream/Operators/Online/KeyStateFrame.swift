import WeirCore

/// How a key's state travels to the changelog and the state directory: magic, format
/// version, the algorithm's name, its state bytes, and a CRC-32 of all of it, so a damaged
/// or foreign state is refused before the algorithm decodes it.
enum KeyStateFrame {
    static let magic = Array("WKEY".utf8)

    static func frame(_ state: [UInt8], algorithm: String) -> [UInt8] {
        var writer = BinaryWriter(capacity: state.count + algorithm.utf8.count + 32)
        writer.append(raw: magic)
        writer.write(UInt8(1))
        writer.write(string: algorithm)
        writer.write(bytes: state)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    static func body(_ bytes: [UInt8], algorithm: String, name: String) throws -> [UInt8] {
        var reader = try BinaryReader.checkedBody(bytes, magic: magic, name: name, what: "Weir key state")
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown key state version \(version); expected 1") }
        let owner = try reader.readString()
        guard owner == algorithm else { throw reader.error("a \(owner) key state, not \(algorithm)") }
        let state = try reader.readBytes()
        try reader.expectEnd()
        return state
    }
}

import WeirCore

/// The frame that gives a model format without its own checksum one: magic, the model's
/// bytes, and a CRC-32 of everything before it. Models whose first format had no checksum
/// write this frame and still read their unframed files.
public enum ChecksummedSnapshot {
    public static func frame(_ body: [UInt8], magic: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter(capacity: body.count + magic.count + 4)
        writer.append(raw: magic)
        writer.append(raw: body)
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    /// The body inside a frame, once magic and checksum are verified; nil when `bytes` do
    /// not start with `magic` (an unframed file of an earlier version).
    public static func body(_ bytes: [UInt8], magic: [UInt8], name: String, what: String) throws -> [UInt8]? {
        guard bytes.starts(with: magic) else { return nil }
        _ = try BinaryReader.checkedBody(bytes, magic: magic, name: name, what: what)
        return Array(bytes[magic.count..<(bytes.count - 4)])
    }
}

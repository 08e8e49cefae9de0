/// Weir's state envelope: magic bytes, a body, and a CRC-32 of everything before it.
extension BinaryReader {
    /// A reader over the body of `bytes` (after `magic`, before the checksum), once the
    /// magic and checksum are verified; `what` names the kind of state in errors.
    public static func checkedBody(_ bytes: [UInt8], magic: [UInt8], name: String, what: String) throws(Failure) -> BinaryReader {
        let reader = BinaryReader(bytes, name: name)
        guard bytes.count > magic.count + 4, Array(bytes.prefix(magic.count)) == magic else {
            throw reader.error("not a \(what) (expected magic \(String(decoding: magic, as: UTF8.self)))")
        }
        var trailer = BinaryReader(Array(bytes.suffix(4)), name: name)
        guard try trailer.read(UInt32.self) == CRC32.checksum(bytes.dropLast(4)) else {
            throw reader.error("checksum mismatch: the \(what) is corrupt or truncated")
        }
        return BinaryReader(Array(bytes.dropLast(4)), name: name, offset: magic.count)
    }
}

import Foundation
import WeirCore

/// Keeps key states on disk, one file per partition and key, written atomically (a
/// temporary file renamed over the old one). Online operators spill idle key states here
/// so their memory stays bounded with many keys.
///
/// A file holds the key itself, the input offset its state has learned up to (so states
/// ahead of where a partition resumes can be discarded instead of learning records twice)
/// and the state, under a CRC-32. Any key works: a key of up to `maximumHexKeyBytes`
/// bytes is named by its bytes in hexadecimal (as earlier releases named theirs, whose
/// files hold only the state and still load); a longer one by a prefix and two hashes,
/// with the stored key telling colliding keys apart.
public struct DetectorStateDirectory: Sendable {
    public let path: String
    /// The extension of the state files (`trcf` for the random cut forest operator's).
    public let fileExtension: String

    /// Keys up to this many bytes are named in hexadecimal (twice as many characters,
    /// well within the 255 bytes a file name may have).
    public static let maximumHexKeyBytes = 100
    static let magic = Array("WSDF".utf8)
    /// Files named by hash tried per key before giving up (a collision needs two keys
    /// with the same 128 bits of hash and prefix).
    static let maximumProbes = 16

    /// One key's saved state and the offset its state has learned up to (nil for files
    /// earlier releases wrote).
    public struct Stored: Sendable {
        public var state: [UInt8]
        public var learnedUntil: Int64?
        /// The file it came from (for error messages).
        public var file: String
    }

    public init(path: String, fileExtension: String) {
        self.path = path
        self.fileExtension = fileExtension
    }

    /// The folder of one partition.
    public func folder(partition: PartitionID) -> String {
        let topic = String(partition.topic.map { $0 == "/" || $0 == "\0" ? "_" : $0 })
        return "\(path)/\(topic)-\(partition.partition)"
    }

    /// The file of a key named in hexadecimal (any key of up to `maximumHexKeyBytes` bytes).
    public func file(partition: PartitionID, key: String) -> String {
        candidates(partition: partition, key: key)[0]
    }

    /// Where a key's file may be: one name for a short key; for a long one, its hashed
    /// name and the probes after it.
    private func candidates(partition: PartitionID, key: String) -> [String] {
        let folder = folder(partition: partition)
        let bytes = Array(key.utf8)
        if bytes.count <= Self.maximumHexKeyBytes {
            let name = bytes.isEmpty ? "_" : Self.hex(bytes)
            return ["\(folder)/\(name).\(fileExtension)"]
        }
        var forward = FNV1a(), reversed = FNV1a()
        forward.add(bytes)
        reversed.add(bytes.reversed())
        let stem = "h\(Self.hex(bytes.prefix(32)))-\(forward.hex)\(reversed.hex)"
        return (0..<Self.maximumProbes).map { "\(folder)/\(stem)\($0 == 0 ? "" : "-\($0)").\(fileExtension)" }
    }

    private static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Saves `state` as the key's, learned up to input offset `learnedUntil`.
    public func save(_ state: [UInt8], partition: PartitionID, key: String, learnedUntil: Int64) throws {
        var writer = BinaryWriter(capacity: state.count + key.utf8.count + 32)
        writer.append(raw: Self.magic)
        writer.write(UInt8(1))
        writer.write(learnedUntil)
        writer.write(string: key)
        writer.write(bytes: state)
        writer.write(CRC32.checksum(writer.bytes))
        let target = try slot(partition: partition, key: key)
        try FileManager.default.createDirectory(atPath: folder(partition: partition), withIntermediateDirectories: true)
        let temporary = target + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(writer.bytes)) else {
            throw StateDirectoryError("cannot write \(temporary) (\(String(cString: strerror(errno))))")
        }
        guard rename(temporary, target) == 0 else {
            throw StateDirectoryError("cannot rename \(temporary) to \(target) (\(String(cString: strerror(errno))))")
        }
    }

    /// The file `key` is saved to: its own (already there, or the first free candidate).
    private func slot(partition: PartitionID, key: String) throws -> String {
        let names = candidates(partition: partition, key: key)
        if names.count == 1 { return names[0] }
        for name in names {
            guard let header = Self.header(of: name) else { return name }
            if header.key == key { return name }
        }
        throw StateDirectoryError("no free file for key '\(key.prefix(60))…' in \(folder(partition: partition)): \(names.count) hash collisions")
    }

    /// The saved state of a key, or nil when none was saved.
    public func load(partition: PartitionID, key: String) throws -> Stored? {
        for name in candidates(partition: partition, key: key) {
            guard let data = FileManager.default.contents(atPath: name) else { return nil }
            let bytes = [UInt8](data)
            guard bytes.starts(with: Self.magic) else {
                // An earlier release's file: the state alone, under a short key's name.
                return Stored(state: bytes, learnedUntil: nil, file: name)
            }
            let (storedKey, learnedUntil, state) = try Self.decode(bytes, name: name)
            if storedKey == key { return Stored(state: state, learnedUntil: learnedUntil, file: name) }
        }
        return nil
    }

    /// Deletes the partition's states that learned input at or beyond `offset`: the
    /// partition resumes there, so those states would learn its records again. States
    /// with no recorded offset (earlier releases') are kept. Returns how many went.
    @discardableResult
    public func discardStates(partition: PartitionID, learnedBeyond offset: Int64) throws -> Int {
        let folder = folder(partition: partition)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
        var discarded = 0
        for name in names where name.hasSuffix(".\(fileExtension)") {
            let file = "\(folder)/\(name)"
            guard let header = Self.header(of: file), header.learnedUntil > offset else { continue }
            guard unlink(file) == 0 else {
                throw StateDirectoryError("cannot delete \(file) (\(String(cString: strerror(errno))))")
            }
            discarded += 1
        }
        return discarded
    }

    /// The key and offset at the start of a file Weir wrote; nil for a missing file or
    /// one without this format's header.
    private static func header(of file: String) -> (key: String, learnedUntil: Int64)? {
        guard let handle = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? handle.close() }
        guard let start = try? handle.read(upToCount: 17), start.count == 17 else { return nil }
        var reader = BinaryReader([UInt8](start), name: file)
        guard (try? reader.readBytes(count: 4)) == magic, (try? reader.read(UInt8.self)) == 1,
              let learnedUntil = try? reader.read(Int64.self), let length = try? reader.read(UInt32.self),
              length <= 1 << 20, let keyBytes = try? handle.read(upToCount: Int(length)), keyBytes.count == Int(length) else { return nil }
        return (String(decoding: keyBytes, as: UTF8.self), learnedUntil)
    }

    private static func decode(_ bytes: [UInt8], name: String) throws -> (key: String, learnedUntil: Int64, state: [UInt8]) {
        var reader = try BinaryReader.checkedBody(bytes, magic: magic, name: name, what: "key state file")
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown key state file version \(version); expected 1") }
        let learnedUntil: Int64 = try reader.read()
        let key = try reader.readString()
        let state = try reader.readBytes()
        try reader.expectEnd()
        return (key, learnedUntil, state)
    }
}

/// A state directory operation that failed, with the file and the system's reason.
public struct StateDirectoryError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

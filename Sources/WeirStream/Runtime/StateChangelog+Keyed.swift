import Logging
import WeirCore
import WeirKafka

/// Keyed state in the changelog: each key's snapshot as chunks small enough for any
/// broker's default message size, and one watermark per operator and partition saying
/// from which input offset a new owner must relearn.
///
/// Record keys extend the partition snapshot's `index|partition|topic` (topic names
/// cannot hold `|`): `...|K<chunk>|<state key>` for a chunk, `...|W` for a watermark.
/// Chunks go out last first, so chunk 0, which names the count, lands after the rest.
extension StateChangelog {
    static let chunkMagic: [UInt8] = Array("WSTK".utf8)
    /// Bytes of state per record: well under Kafka's default 1 MB message limit.
    public static let chunkSize = 512 * 1024

    public struct KeyedEntry: Equatable, Sendable {
        public var operatorIndex: Int
        public var partition: PartitionID
        public var key: String
        public var nextOffset: Int64
        public var state: [UInt8]
    }

    /// Which operator and partition a watermark belongs to.
    public struct WatermarkKey: Hashable, Sendable {
        public var operatorIndex: Int
        public var partition: PartitionID
    }

    enum RecordKind: Equatable {
        case partition
        case chunk(index: Int, key: String)
        case watermark
    }

    static func parseAnyKey(_ key: [UInt8]) -> (Int, PartitionID, RecordKind)? {
        let parts = String(decoding: key, as: UTF8.self).split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count >= 3, let index = Int(parts[0]), let partition = Int32(parts[1]) else { return nil }
        let id = PartitionID(topic: String(parts[2]), partition: partition)
        if parts.count == 3 { return (index, id, .partition) }
        if parts.count == 4, parts[3] == "W" { return (index, id, .watermark) }
        guard parts.count == 5, parts[3].first == "K", let chunk = Int(parts[3].dropFirst()) else { return nil }
        return (index, id, .chunk(index: chunk, key: String(parts[4])))
    }

    /// The records that store one key's state, last chunk first.
    public func keyedMessages(operatorIndex: Int, partition: PartitionID, key: String, nextOffset: Int64,
                              state: [UInt8]) -> [OutgoingMessage] {
        let count = max(1, (state.count + Self.chunkSize - 1) / Self.chunkSize)
        return (0..<count).reversed().map { chunk in
            let bytes = state[min(state.count, chunk * Self.chunkSize)..<min(state.count, (chunk + 1) * Self.chunkSize)]
            var writer = BinaryWriter(capacity: bytes.count + 32)
            writer.append(raw: Self.chunkMagic)
            writer.write(UInt8(1))
            writer.write(nextOffset)
            writer.write(UInt32(chunk))
            writer.write(UInt32(count))
            writer.write(bytes: Array(bytes))
            let recordKey = "\(operatorIndex)|\(partition.partition)|\(partition.topic)|K\(chunk)|\(key)"
            return OutgoingMessage(topic: topic, key: Array(recordKey.utf8), value: writer.bytes)
        }
    }

    /// The record saying every key of this operator and partition that changed before
    /// `nextOffset` has a snapshot at or after its last change.
    public func watermarkMessage(operatorIndex: Int, partition: PartitionID, nextOffset: Int64) -> OutgoingMessage {
        let recordKey = "\(operatorIndex)|\(partition.partition)|\(partition.topic)|W"
        return OutgoingMessage(topic: topic, key: Array(recordKey.utf8), value: Self.encode(nextOffset: nextOffset, state: []))
    }

    struct Chunk {
        var nextOffset: Int64
        var count: Int
        var bytes: [UInt8]
    }

    static func decodeChunk(_ bytes: [UInt8], name: String) throws -> Chunk {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: 4) == chunkMagic else { throw reader.error("not a Weir keyed state chunk (bad magic)") }
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown chunk version \(version); expected 1") }
        let nextOffset: Int64 = try reader.read()
        _ = try reader.read(UInt32.self)
        let count = Int(try reader.read(UInt32.self))
        let state = try reader.readBytes()
        try reader.expectEnd()
        return Chunk(nextOffset: nextOffset, count: count, bytes: state)
    }

    /// Joins the latest chunks of each key into states. A key whose latest chunks come from
    /// different snapshots (a process died while writing one) is left out and logged: it
    /// starts afresh.
    static func assemble(_ chunks: [String: [Int: Chunk]], keys: [String: (Int, PartitionID, String)],
                         logger: Logger) -> [KeyedEntry] {
        var entries: [KeyedEntry] = []
        for (id, parts) in chunks {
            guard let (operatorIndex, partition, key) = keys[id], let first = parts[0] else { continue }
            var state: [UInt8] = []
            var complete = true
            for chunk in 0..<first.count {
                guard let part = parts[chunk], part.nextOffset == first.nextOffset, part.count == first.count else {
                    complete = false
                    break
                }
                state += part.bytes
            }
            guard complete else {
                logger.warning("incomplete keyed state in the changelog; the key starts afresh",
                               metadata: ["partition": "\(partition)", "key": "\(key)"])
                continue
            }
            entries.append(KeyedEntry(operatorIndex: operatorIndex, partition: partition, key: key,
                                      nextOffset: first.nextOffset, state: state))
        }
        return entries.sorted { ($0.partition, $0.key) < ($1.partition, $1.key) }
    }
}

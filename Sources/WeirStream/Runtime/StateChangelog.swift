import Logging
import WeirCore
import WeirKafka

/// Hands per-partition operator state between processes through a compacted Kafka
/// topic. Each snapshot is keyed by operator index and input partition, and records the
/// input offset it is valid at: a process that takes the partition over restores the
/// state and resumes from that offset (or the committed one, whichever is later).
public struct StateChangelog {
    public let topic: String

    public init(topic: String) {
        self.topic = topic
    }

    static let magic: [UInt8] = Array("WSTA".utf8)

    /// One restored snapshot.
    public struct Entry: Equatable, Sendable {
        public var operatorIndex: Int
        public var partition: PartitionID
        public var nextOffset: Int64
        public var state: [UInt8]
    }

    public static func key(operatorIndex: Int, partition: PartitionID) -> [UInt8] {
        Array("\(operatorIndex)|\(partition.partition)|\(partition.topic)".utf8)
    }

    public static func encode(nextOffset: Int64, state: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter(capacity: state.count + 16)
        writer.append(raw: magic)
        writer.write(UInt8(1))
        writer.write(nextOffset)
        writer.write(bytes: state)
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8], name: String) throws -> (nextOffset: Int64, state: [UInt8]) {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: 4) == magic else { throw reader.error("not a Weir state snapshot (bad magic)") }
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown snapshot version \(version); expected 1") }
        let offset: Int64 = try reader.read()
        let state = try reader.readBytes()
        try reader.expectEnd()
        return (offset, state)
    }

    /// The message that stores `state` of one operator and partition.
    public func message(operatorIndex: Int, partition: PartitionID, nextOffset: Int64, state: [UInt8]) -> OutgoingMessage {
        OutgoingMessage(topic: topic, key: Self.key(operatorIndex: operatorIndex, partition: partition),
                        value: Self.encode(nextOffset: nextOffset, state: state))
    }

    /// Reads the whole changelog to its end and returns, among `partitions`, the latest
    /// snapshot per operator and partition, every key's latest complete keyed state and
    /// the latest watermarks. Blocking; runs on the pipeline thread.
    public func restore(partitions: Set<PartitionID>, configuration: KafkaConfiguration,
                        adminConfiguration: KafkaConfiguration, logger: Logger,
                        timeoutMs: Int = 60_000) throws -> Restored {
        var config = configuration
        config["enable.partition.eof"] = "true"
        config["group.id"] = (config["group.id"] ?? "weir") + ".state-restore"
        config["isolation.level"] = "read_committed"
        let admin = try KafkaAdmin(configuration: adminConfiguration)
        guard let partitionCount = try admin.partitionCounts(topic: topic)[topic], partitionCount > 0 else {
            return Restored()
        }
        let reader = try KafkaConsumer(configuration: config, logger: logger)
        defer { try? reader.close() }
        try reader.assign((0..<Int32(partitionCount)).map {
            (PartitionID(topic: topic, partition: $0), Int64(-2)) // RD_KAFKA_OFFSET_BEGINNING
        })
        var latest: [String: Entry] = [:]
        var watermarks: [WatermarkKey: Int64] = [:]
        var chunks: [String: [Int: Chunk]] = [:]
        var keyNames: [String: (Int, PartitionID, String)] = [:]
        var finished = Set<Int32>()
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while finished.count < partitionCount {
            guard ContinuousClock.now < deadline else {
                throw PipelineError.state("reading changelog '\(topic)' did not reach its end within \(timeoutMs) ms")
            }
            switch reader.poll(timeoutMs: 200) {
            case .message(let message)?:
                guard let key = message.key, let (index, partition, kind) = Self.parseAnyKey(key) else { continue }
                guard partitions.contains(partition) else { continue }
                let name = "changelog \(topic)[\(message.partition)]@\(message.offset)"
                switch kind {
                case .partition:
                    guard let value = message.value else {
                        latest["\(index)|\(partition)"] = nil // tombstone
                        continue
                    }
                    let decoded = try Self.decode(value, name: name)
                    latest["\(index)|\(partition)"] = Entry(operatorIndex: index, partition: partition,
                                                            nextOffset: decoded.nextOffset, state: decoded.state)
                case .watermark:
                    guard let value = message.value else { continue }
                    watermarks[WatermarkKey(operatorIndex: index, partition: partition)] = try Self.decode(value, name: name).nextOffset
                case .chunk(let chunk, let stateKey):
                    let id = "\(index)|\(partition)|\(stateKey)"
                    keyNames[id] = (index, partition, stateKey)
                    guard let value = message.value else {
                        chunks[id] = nil // tombstone: the key was deleted
                        continue
                    }
                    chunks[id, default: [:]][chunk] = try Self.decodeChunk(value, name: name)
                }
            case .partitionEOF(let partition, _)?:
                finished.insert(partition.partition)
            case .error(let error)?:
                logger.warning("changelog read: \(error)")
            case nil:
                continue
            }
        }
        return Restored(partitions: Array(latest.values), keyed: Self.assemble(chunks, keys: keyNames, logger: logger),
                        watermarks: watermarks)
    }

    /// Everything the changelog holds for some partitions.
    public struct Restored: Sendable {
        public var partitions: [Entry] = []
        public var keyed: [KeyedEntry] = []
        public var watermarks: [WatermarkKey: Int64] = [:]
    }
}

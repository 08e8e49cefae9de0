import WeirCore

/// Counts events per key and writes the running count into each event. Its counts are
/// kept per input partition, so they follow a partition across a rebalance: the
/// smallest real example of keyed operator state.
public final class CountByKeyOperator: PartitionedStateOperator {
    public let name = "count_by_key"
    let outputField: String
    private var counts: [PartitionID: [String: Int64]] = [:]
    private var changed: Set<PartitionID> = []

    public init(outputField: String) {
        self.outputField = outputField
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var counted = consume event
        let partition = PartitionID(topic: counted.origin.topic, partition: counted.origin.partition)
        let key = counted.keyText
        let count = (counts[partition]?[key] ?? 0) + 1
        counts[partition, default: [:]][key] = count
        changed.insert(partition)
        counted.fields[outputField] = .number(Double(count))
        output.append(counted)
    }

    public func count(of key: String, in partition: PartitionID) -> Int64 {
        counts[partition]?[key] ?? 0
    }

    /// Snapshot layout: version byte 1, then per key a u32 length, the key bytes and an i64
    /// count, keys sorted so equal states give equal bytes.
    public func snapshot(partition: PartitionID) -> [UInt8]? {
        guard let table = counts[partition] else { return nil }
        var writer = BinaryWriter()
        writer.write(UInt8(1))
        writer.write(UInt32(table.count))
        for key in table.keys.sorted() {
            writer.write(string: key)
            writer.write(table[key]!)
        }
        return writer.bytes
    }

    public func restore(partition: PartitionID, from bytes: [UInt8]) throws {
        var reader = BinaryReader(bytes, name: "count_by_key state of \(partition)")
        let version: UInt8 = try reader.read()
        guard version == 1 else { throw reader.error("unknown state version \(version); expected 1") }
        let entries: UInt32 = try reader.read()
        var table: [String: Int64] = [:]
        for _ in 0..<entries {
            let key = try reader.readString()
            table[key] = try reader.read()
        }
        try reader.expectEnd()
        counts[partition] = table
    }

    public func drop(partition: PartitionID) {
        counts[partition] = nil
        changed.remove(partition)
    }

    public func takeChangedPartitions() -> Set<PartitionID> {
        defer { changed = [] }
        return changed
    }
}

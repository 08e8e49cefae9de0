/// One step of a topology's operator chain. The runtime calls `open` once, `process` for
/// each event in partition order, `checkpoint` before input offsets are committed, and
/// `close` on shutdown. Lifecycle hooks default to doing nothing.
///
/// An operator runs on its pipeline's single thread; it may keep plain mutable state.
public protocol StreamOperator: AnyObject {
    /// The name used in logs, metrics and dead-letter reasons.
    var name: String { get }

    func open() throws
    /// Handles one event, appending zero or more events to `output`. Throwing a
    /// `RecordError` dead-letters this one input record; the stream goes on.
    func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError)
    func checkpoint() throws
    func close() throws
}

extension StreamOperator {
    public func open() throws {}
    public func checkpoint() throws {}
    public func close() throws {}
}

/// An operator whose state is kept per input partition, so that it can follow its
/// partition to another process when the consumer group rebalances.
public protocol PartitionedStateOperator: StreamOperator {
    /// The state of one partition as bytes, or nil when it holds none. Called at checkpoints
    /// for partitions the operator reports as changed.
    func snapshot(partition: PartitionID) -> [UInt8]?
    /// Replaces the state of `partition` with a snapshot taken by `snapshot(partition:)`.
    func restore(partition: PartitionID, from bytes: [UInt8]) throws
    /// Forgets a partition that this process no longer owns.
    func drop(partition: PartitionID)
    /// Partitions whose state changed since the last call; the call clears the set.
    func takeChangedPartitions() -> Set<PartitionID>
}

/// A topic partition, the unit of ordering, assignment and state hand-off.
public struct PartitionID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: PartitionID, rhs: PartitionID) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// An operator whose state is kept per key within each input partition and is too large
/// to snapshot a whole partition at every checkpoint (a random cut forest per key). The
/// runtime snapshots the keys that changed, every `snapshotIntervalMs` and at hand-offs,
/// then records the input offset the snapshots are valid at (a watermark). A process
/// that takes the partition over restores the keys and re-reads the input from the
/// watermark to the committed offset to relearn, writing nothing for those records.
public protocol KeyedStateOperator: StreamOperator {
    /// How often changed keys are snapshotted (besides hand-offs and shutdown).
    var snapshotIntervalMs: Int { get }
    /// Keys of `partition` whose state changed since the last call for it; the call
    /// clears them.
    func takeChangedKeys(partition: PartitionID) -> [String]
    /// The state of one key, or nil when it holds none.
    func snapshot(partition: PartitionID, key: String) throws -> [UInt8]?
    /// Installs a key's state taken by `snapshot` when the input stood at `nextOffset`:
    /// records of this key below that offset are already learned and must be skipped.
    func restore(partition: PartitionID, key: String, nextOffset: Int64, from bytes: [UInt8]) throws
    /// Forgets a partition that this process no longer owns.
    func drop(partition: PartitionID)
    /// Discards kept states of `partition` (spilled to disk) that learned records at or
    /// after `offset`, where the partition resumes, so no record is learned twice.
    func discardStates(partition: PartitionID, learnedBeyond offset: Int64) throws
}

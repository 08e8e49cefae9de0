import WeirCore

/// The Kafka pipeline's decisions as a value: which partitions this process owns and where
/// each stands (offset trackers, the position keyed state is valid at, records still to
/// relearn), whether a transaction is open or doomed, when a checkpoint or a keyed
/// snapshot round is due, when to pause for backpressure, and what a record, a delivery
/// report or a rebalance means. It does no I/O and reads no clock: `KafkaPipeline` feeds it
/// events with the time and carries out what it decides, so the exactly-once and hand-off
/// logic is tested without a broker.
struct PipelineCoordinator {
    struct Settings: Sendable {
        var delivery: DeliveryGuarantee
        /// How often progress is made durable (offsets committed, or the transaction).
        var commitInterval: Duration
        /// How often changed keyed states are snapshotted to the changelog; nil: never.
        var keyedSnapshotInterval: Duration?
        /// Outputs in flight beyond which consumption pauses (and resumes below half).
        var maxInFlight: Int
    }

    /// What to do with a record read from the source.
    enum RecordDecision: Equatable {
        /// The open transaction is doomed: the record is read again after its abort.
        case skip
        /// Already delivered before a hand-off: keyed state learns it, nothing is output
        /// and no offset is tracked.
        case relearn(slot: Int)
        /// Process it; begin a transaction first when `beginTransaction`.
        case process(slot: Int, beginTransaction: Bool)
        /// Not after the last offset processed in its partition (a duplicate delivery):
        /// dropped, since its outputs are already on their way.
        case duplicate
    }

    /// How a sink's delivery report ended.
    enum DeliveryOutcome: Equatable {
        case delivered
        /// Purged by a transaction's abort.
        case purged
        case failed
    }

    enum DeliveryDecision: Equatable {
        /// The output counted for its input offset (or belonged to none).
        case acknowledged
        /// The open transaction must be aborted and its inputs read again.
        case transactionDoomed
        /// Nothing to do (a purged output of an aborted transaction).
        case ignored
        /// At-least-once delivery failed, or the transactional producer is dead: stop.
        case fatal
    }

    enum Action: Equatable {
        case pause([PartitionID])
        case resume([PartitionID])
        /// Make progress durable: commit offsets, or the open transaction (aborting a doomed one).
        case checkpoint(synchronous: Bool)
    }

    var settings: Settings
    private(set) var assigned: Set<PartitionID> = []
    private(set) var paused: [PartitionID] = []
    private(set) var partitions: [PartitionID] = []
    private var slotOfPartition: [PartitionID: Int] = [:]
    private var trackers: [PartitionOffsetTracker] = []
    /// Per slot, the offset after the last record processed or relearned (-1: none yet):
    /// where keyed snapshots of that partition are valid.
    private var positions: [Int64] = []
    /// Per partition taken over, the committed offset up to which records are relearned.
    private var relearnUntil: [PartitionID: Int64] = [:]
    private(set) var transactionOpen = false
    private(set) var transactionDoomed = false
    private var lastCheckpoint: ContinuousClock.Instant
    private var lastKeyedSnapshot: ContinuousClock.Instant

    init(_ settings: Settings, now: ContinuousClock.Instant) {
        self.settings = settings
        lastCheckpoint = now
        lastKeyedSnapshot = now
    }

    // MARK: Records and outputs

    static let offsetBits: UInt64 = 48

    /// Packs the slot and input offset into the producer's opaque token. Slot 0 is
    /// reserved for messages that belong to no input (state snapshots).
    static func token(slot: Int, offset: Int64) -> UInt64 {
        (UInt64(slot + 1) << offsetBits) | (UInt64(bitPattern: offset) & ((1 << offsetBits) - 1))
    }

    static func offset(of token: UInt64) -> Int64 { Int64(token & ((1 << offsetBits) - 1)) }

    /// The slot of `partition`, made on first sight (slots are never reused, so a late
    /// report of a partition that left finds its own slot).
    mutating func slot(for partition: PartitionID) -> Int {
        if let slot = slotOfPartition[partition] { return slot }
        let slot = partitions.count
        partitions.append(partition)
        trackers.append(PartitionOffsetTracker())
        positions.append(-1)
        slotOfPartition[partition] = slot
        return slot
    }

    mutating func record(partition: PartitionID, offset: Int64) -> RecordDecision {
        if transactionDoomed { return .skip }
        let slot = slot(for: partition)
        if let until = relearnUntil[partition] {
            if offset < until {
                positions[slot] = offset + 1
                if offset + 1 >= until { relearnUntil[partition] = nil }
                return .relearn(slot: slot)
            }
            relearnUntil[partition] = nil
        }
        if let last = trackers[slot].lastSeen, offset <= last { return .duplicate }
        positions[slot] = offset + 1
        trackers[slot].begin(offset)
        let begin = settings.delivery == .exactlyOnce && !transactionOpen
        if begin { transactionOpen = true }
        return .process(slot: slot, beginTransaction: begin)
    }

    /// A transaction the pipeline was told to begin could not be.
    mutating func transactionNotBegun() {
        transactionOpen = false
    }

    /// One more output of `slot`'s latest record is in flight (asynchronous sinks).
    mutating func outputSent(slot: Int) {
        trackers[slot].addOutput()
    }

    /// An output counted by `outputSent` was refused before it left: it is not in flight.
    mutating func outputNotSent(slot: Int, offset: Int64) {
        trackers[slot].acknowledge(offset)
    }

    /// An output ended in a sink that does not end the process (a dead-lettered record):
    /// under exactly-once a produce error that only ends the transaction dooms it.
    mutating func doomTransaction() {
        transactionDoomed = true
    }

    mutating func delivery(token: UInt64, outcome: DeliveryOutcome, producerAlive: Bool) -> DeliveryDecision {
        switch outcome {
        case .delivered:
            let slot = Int(token >> Self.offsetBits) - 1
            if slot >= 0, slot < trackers.count { trackers[slot].acknowledge(Self.offset(of: token)) }
            return .acknowledged
        case .purged, .failed:
            guard settings.delivery == .exactlyOnce, producerAlive else { return .fatal }
            if outcome == .purged { return .ignored }
            transactionDoomed = true
            return .transactionDoomed
        }
    }

    // MARK: Time

    /// Periodic decisions: backpressure on the outputs in flight, and a checkpoint when
    /// one is due (at once for a doomed transaction).
    mutating func tick(now: ContinuousClock.Instant, inFlight: Int) -> [Action] {
        var actions: [Action] = []
        if paused.isEmpty, inFlight > settings.maxInFlight, !assigned.isEmpty {
            paused = assigned.sorted()
            actions.append(.pause(paused))
        } else if !paused.isEmpty, inFlight < settings.maxInFlight / 2 {
            actions.append(.resume(paused))
            paused = []
        }
        if transactionDoomed || now - lastCheckpoint >= settings.commitInterval {
            lastCheckpoint = now
            actions.append(.checkpoint(synchronous: false))
        }
        return actions
    }

    /// Whether a keyed snapshot round is due (always when `force`d at a hand-off or
    /// shutdown); a due round counts as taken.
    mutating func keyedSnapshotDue(now: ContinuousClock.Instant, force: Bool) -> Bool {
        guard let interval = settings.keyedSnapshotInterval else { return false }
        guard force || now - lastKeyedSnapshot >= interval else { return false }
        lastKeyedSnapshot = now
        return true
    }

    /// Owned partitions whose keyed state can be snapshotted, and the offset the snapshot is
    /// valid at: those that processed a record and are not still relearning.
    var keyedSnapshotPositions: [(partition: PartitionID, nextOffset: Int64)] {
        assigned.sorted().compactMap { partition in
            guard let slot = slotOfPartition[partition], positions[slot] >= 0, relearnUntil[partition] == nil else { return nil }
            return (partition, positions[slot])
        }
    }

    /// The offset a partition snapshot of `partition` is valid at (its committable offset).
    func committable(_ partition: PartitionID) -> Int64? {
        slotOfPartition[partition].flatMap { trackers[$0].committable }
    }

    /// The next offset to read in `partition`, for lag.
    func nextOffset(_ partition: PartitionID) -> Int64? {
        slotOfPartition[partition].flatMap { trackers[$0].lastSeen.map { $0 + 1 } }
    }

    // MARK: Checkpoints

    /// At-least-once: the offsets to commit, for owned partitions whose committable offset
    /// moved (every output before it acknowledged).
    mutating func offsetsToCommit() -> [PartitionID: Int64] {
        var offsets: [PartitionID: Int64] = [:]
        for (slot, partition) in partitions.enumerated() where assigned.contains(partition) {
            if let offset = trackers[slot].takeCommittable() { offsets[partition] = offset }
        }
        return offsets
    }

    /// The commit failed: the same offsets are offered at the next checkpoint.
    mutating func commitFailed(_ offsets: [PartitionID: Int64]) {
        for partition in offsets.keys {
            if let slot = slotOfPartition[partition] { trackers[slot].forgetCommitted() }
        }
    }

    /// Exactly-once: the offsets the open transaction commits, one past the last record
    /// processed in each owned partition.
    var transactionOffsets: [PartitionID: Int64] {
        var offsets: [PartitionID: Int64] = [:]
        for (slot, partition) in partitions.enumerated() where assigned.contains(partition) {
            if let next = trackers[slot].lastSeen.map({ $0 + 1 }) { offsets[partition] = next }
        }
        return offsets
    }

    mutating func transactionCommitted() {
        transactionOpen = false
        for slot in trackers.indices { _ = trackers[slot].takeCommittable() }
    }

    /// The transaction was aborted: owned partitions are read again from their committed
    /// offsets.
    mutating func transactionAborted() {
        transactionOpen = false
        transactionDoomed = false
        for partition in assigned { rewind(partition) }
    }

    /// Forgets what `partition` processed since its last commit (it is read again).
    mutating func rewind(_ partition: PartitionID) {
        let slot = slot(for: partition)
        trackers[slot].reset()
        positions[slot] = -1
    }

    // MARK: Rebalances

    mutating func assign(_ newPartitions: [PartitionID]) {
        for partition in newPartitions {
            assigned.insert(partition)
            rewind(partition)
        }
    }

    /// Keyed state restored for `partition` is valid at `from`, behind the committed
    /// offset: the records in between are relearned without output.
    mutating func relearn(_ partition: PartitionID, until committed: Int64) {
        relearnUntil[partition] = committed
    }

    /// A clean hand-off: progress is made durable before the partitions are released
    /// (unless the pipeline already failed, when nothing can be).
    func revoke(_ revoked: [PartitionID], failed: Bool) -> [Action] {
        failed ? [] : [.checkpoint(synchronous: true)]
    }

    /// Partitions lost without a hand-off: true when the open transaction must be aborted
    /// (its outputs belong to records another process will redo).
    mutating func lose(_ lost: [PartitionID]) -> Bool {
        guard settings.delivery == .exactlyOnce, transactionOpen else { return false }
        transactionOpen = false
        return true
    }

    /// Forgets the partitions' progress after a revocation or loss.
    mutating func release(_ released: [PartitionID]) {
        for partition in released {
            assigned.remove(partition)
            if let slot = slotOfPartition[partition] {
                trackers[slot].reset()
                positions[slot] = -1
            }
            relearnUntil[partition] = nil
        }
        paused.removeAll { released.contains($0) }
    }
}

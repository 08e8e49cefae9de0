/// Decides which input offset of one partition is safe to commit under at-least-once:
/// the first offset that still has unacknowledged outputs, or one past the last offset
/// seen when everything is acknowledged. Pure logic, no I/O.
///
/// Offsets must be begun in increasing order (Kafka delivers a partition in order);
/// acknowledgements may arrive in any order.
public struct PartitionOffsetTracker: Sendable, Equatable {
    private var offsets: [Int64] = []
    private var pending: [Int32] = []
    private var head = 0
    public private(set) var lastSeen: Int64?
    /// The offset most recently handed out by `takeCommittable`.
    public private(set) var lastCommitted: Int64?

    public init() {}

    /// Registers input `offset` before its outputs are sent.
    public mutating func begin(_ offset: Int64) {
        precondition(lastSeen.map { offset > $0 } ?? true, "offsets must increase: \(offset) after \(lastSeen!)")
        lastSeen = offset
        offsets.append(offset)
        pending.append(0)
    }

    /// One more output of the most recently begun offset is in flight.
    public mutating func addOutput() {
        precondition(head < pending.count, "addOutput before begin")
        pending[pending.count - 1] += 1
    }

    /// An output of `offset` was acknowledged by its sink. A late report for an offset
    /// this tracker no longer holds (the partition was lost and reset) is ignored.
    public mutating func acknowledge(_ offset: Int64) {
        guard let index = position(of: offset), pending[index] > 0 else { return }
        pending[index] -= 1
        compact()
    }

    /// Outputs sent and not yet acknowledged.
    public var inFlight: Int {
        var total = 0
        for index in head..<pending.count { total += Int(pending[index]) }
        return total
    }

    /// The next offset to read that is safe to commit, or nil before any record.
    public var committable: Int64? {
        compactedHead.map { offsets[$0] } ?? lastSeen.map { $0 + 1 }
    }

    /// `committable` when it moved since the last call (nothing to commit otherwise).
    public mutating func takeCommittable() -> Int64? {
        compact()
        guard let offset = committable, offset != lastCommitted else { return nil }
        lastCommitted = offset
        return offset
    }

    /// Makes the next `takeCommittable` report the current offset again (after a failed commit).
    public mutating func forgetCommitted() {
        lastCommitted = nil
    }

    /// Forgets everything, for a partition that was revoked or rewound.
    public mutating func reset() {
        self = PartitionOffsetTracker()
    }

    private var compactedHead: Int? {
        var index = head
        while index < pending.count, pending[index] == 0 { index += 1 }
        return index < pending.count ? index : nil
    }

    private mutating func compact() {
        while head < pending.count, pending[head] == 0 { head += 1 }
        if head > 4096, head * 2 > offsets.count {
            offsets.removeFirst(head)
            pending.removeFirst(head)
            head = 0
        }
    }

    private func position(of offset: Int64) -> Int? {
        var low = head
        var high = offsets.count - 1
        while low <= high {
            let middle = (low + high) / 2
            if offsets[middle] == offset { return middle }
            if offsets[middle] < offset { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }
}

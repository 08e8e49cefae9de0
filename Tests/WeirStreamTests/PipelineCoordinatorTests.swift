import Testing
import WeirCore
@testable import WeirStream

/// The Kafka pipeline's decisions without a broker: events in, decisions out, time given.
struct PipelineCoordinatorTests {
    static let start = ContinuousClock.now
    static let p0 = PartitionID(topic: "in", partition: 0)
    static let p1 = PartitionID(topic: "in", partition: 1)

    static func coordinator(_ delivery: DeliveryGuarantee, keyed: Duration? = nil, maxInFlight: Int = 100) -> PipelineCoordinator {
        PipelineCoordinator(PipelineCoordinator.Settings(delivery: delivery, commitInterval: .milliseconds(1000), keyedSnapshotInterval: keyed,
                                                         maxInFlight: maxInFlight), now: start)
    }

    /// Processes `offset` of `partition` with `outputs` asynchronous outputs; returns their tokens.
    static func process(_ coordinator: inout PipelineCoordinator, _ partition: PartitionID, _ offset: Int64, outputs: Int = 1) -> [UInt64] {
        guard case .process(let slot, _) = coordinator.record(partition: partition, offset: offset) else {
            Issue.record("offset \(offset) of \(partition) was not processed")
            return []
        }
        return (0..<outputs).map { _ in
            coordinator.outputSent(slot: slot)
            return PipelineCoordinator.token(slot: slot, offset: offset)
        }
    }

    @Test func atLeastOnceCommitsOnlyPastAcknowledgedOutputs() {
        var coordinator = Self.coordinator(.atLeastOnce)
        coordinator.assign([Self.p0, Self.p1])
        let first = Self.process(&coordinator, Self.p0, 10, outputs: 2)
        let second = Self.process(&coordinator, Self.p0, 11)
        let other = Self.process(&coordinator, Self.p1, 5)
        #expect(coordinator.offsetsToCommit() == [Self.p0: 10, Self.p1: 5], "the first unfinished record bounds each partition")
        // Nothing acknowledged: p0 may only commit 10 (its first record is unfinished).
        var fresh = Self.coordinator(.atLeastOnce)
        fresh.assign([Self.p0])
        _ = Self.process(&fresh, Self.p0, 10)
        #expect(fresh.offsetsToCommit() == [Self.p0: 10])

        // Out of order: the second record's report first does not move p0 past 10.
        #expect(coordinator.delivery(token: second[0], outcome: .delivered, producerAlive: true) == .acknowledged)
        #expect(coordinator.delivery(token: first[0], outcome: .delivered, producerAlive: true) == .acknowledged)
        #expect(coordinator.offsetsToCommit().isEmpty, "one output of offset 10 is still in flight")
        #expect(coordinator.delivery(token: first[1], outcome: .delivered, producerAlive: true) == .acknowledged)
        #expect(coordinator.delivery(token: other[0], outcome: .delivered, producerAlive: true) == .acknowledged)
        #expect(coordinator.offsetsToCommit() == [Self.p0: 12, Self.p1: 6])
        #expect(coordinator.offsetsToCommit().isEmpty, "nothing moved since")

        // A failed commit offers the same offsets again.
        _ = Self.process(&coordinator, Self.p0, 12, outputs: 0)
        let offsets = coordinator.offsetsToCommit()
        #expect(offsets == [Self.p0: 13])
        coordinator.commitFailed(offsets)
        #expect(coordinator.offsetsToCommit() == [Self.p0: 13])
    }

    @Test func atLeastOnceDeliveryFailureStopsThePipeline() {
        var coordinator = Self.coordinator(.atLeastOnce)
        coordinator.assign([Self.p0])
        let tokens = Self.process(&coordinator, Self.p0, 0)
        #expect(coordinator.delivery(token: tokens[0], outcome: .failed, producerAlive: true) == .fatal)
    }

    @Test func exactlyOnceDoomedTransactionSkipsRecordsUntilItsAbortRewinds() {
        var coordinator = Self.coordinator(.exactlyOnce)
        coordinator.assign([Self.p0])
        #expect(coordinator.record(partition: Self.p0, offset: 0) == .process(slot: 0, beginTransaction: true))
        #expect(coordinator.record(partition: Self.p0, offset: 1) == .process(slot: 0, beginTransaction: false))
        #expect(coordinator.transactionOffsets == [Self.p0: 2])
        // An output of the open transaction failed: it is doomed, later records wait.
        #expect(coordinator.delivery(token: PipelineCoordinator.token(slot: 0, offset: 1), outcome: .failed, producerAlive: true)
            == .transactionDoomed)
        #expect(coordinator.record(partition: Self.p0, offset: 2) == .skip)
        // The doom makes the next tick checkpoint at once, without waiting for the interval.
        #expect(coordinator.tick(now: Self.start + .milliseconds(1), inFlight: 0) == [.checkpoint(synchronous: false)])
        // Purged outputs of the aborted transaction change nothing.
        #expect(coordinator.delivery(token: PipelineCoordinator.token(slot: 0, offset: 0), outcome: .purged, producerAlive: true) == .ignored)
        coordinator.transactionAborted()
        #expect(!coordinator.transactionOpen && !coordinator.transactionDoomed)
        // Read again from the committed offset: offset 0 is processed anew, in a new transaction.
        #expect(coordinator.record(partition: Self.p0, offset: 0) == .process(slot: 0, beginTransaction: true))
    }

    @Test func exactlyOnceWithADeadProducerStops() {
        var coordinator = Self.coordinator(.exactlyOnce)
        coordinator.assign([Self.p0])
        _ = coordinator.record(partition: Self.p0, offset: 0)
        #expect(coordinator.delivery(token: PipelineCoordinator.token(slot: 0, offset: 0), outcome: .failed, producerAlive: false) == .fatal)
    }

    @Test func committedTransactionStartsTheNextOneAfresh() {
        var coordinator = Self.coordinator(.exactlyOnce)
        coordinator.assign([Self.p0, Self.p1])
        _ = coordinator.record(partition: Self.p0, offset: 7)
        _ = coordinator.record(partition: Self.p1, offset: 3)
        #expect(coordinator.transactionOffsets == [Self.p0: 8, Self.p1: 4])
        coordinator.transactionCommitted()
        #expect(!coordinator.transactionOpen)
        #expect(coordinator.record(partition: Self.p0, offset: 8) == .process(slot: 0, beginTransaction: true))
    }

    @Test func checkpointsFollowTheInjectedClock() {
        var coordinator = Self.coordinator(.atLeastOnce)
        coordinator.assign([Self.p0])
        #expect(coordinator.tick(now: Self.start + .milliseconds(999), inFlight: 0).isEmpty)
        #expect(coordinator.tick(now: Self.start + .milliseconds(1000), inFlight: 0) == [.checkpoint(synchronous: false)])
        #expect(coordinator.tick(now: Self.start + .milliseconds(1500), inFlight: 0).isEmpty)
        #expect(coordinator.tick(now: Self.start + .milliseconds(2000), inFlight: 0) == [.checkpoint(synchronous: false)])
    }

    @Test func backpressurePausesOwnedPartitionsAndResumesBelowHalf() {
        var coordinator = Self.coordinator(.atLeastOnce, maxInFlight: 100)
        coordinator.assign([Self.p1, Self.p0])
        let now = Self.start + .milliseconds(1)
        #expect(coordinator.tick(now: now, inFlight: 100).isEmpty)
        #expect(coordinator.tick(now: now, inFlight: 101) == [.pause([Self.p0, Self.p1])])
        #expect(coordinator.tick(now: now, inFlight: 80).isEmpty, "still above half: stays paused")
        #expect(coordinator.tick(now: now, inFlight: 49) == [.resume([Self.p0, Self.p1])])
        // A partition revoked while paused is not resumed.
        _ = coordinator.tick(now: now, inFlight: 500)
        coordinator.release([Self.p1])
        #expect(coordinator.tick(now: now, inFlight: 0) == [.resume([Self.p0])])
    }

    @Test func keyedSnapshotsAreDueByTheirIntervalOrForced() {
        var coordinator = Self.coordinator(.atLeastOnce, keyed: .milliseconds(5000))
        let result1 = coordinator.keyedSnapshotDue(now: Self.start + .milliseconds(4999), force: false)
        #expect(!result1)
        let result2 = coordinator.keyedSnapshotDue(now: Self.start + .milliseconds(5000), force: false)
        #expect(result2)
        let result3 = coordinator.keyedSnapshotDue(now: Self.start + .milliseconds(6000), force: false)
        #expect(!result3)
        let result4 = coordinator.keyedSnapshotDue(now: Self.start + .milliseconds(6000), force: true)
        #expect(result4)
        var without = Self.coordinator(.atLeastOnce)
        let result5 = without.keyedSnapshotDue(now: Self.start + .seconds(60), force: true)
        #expect(!result5, "no keyed operators, no rounds")
    }

    /// A partition taken over relearns from its keyed watermark up to the committed offset
    /// without output; keyed snapshots of it wait until it has caught up, and then are valid
    /// at the position after the last record.
    @Test func handOffRelearnsThenSnapshotsFromTheRightPosition() {
        var coordinator = Self.coordinator(.atLeastOnce, keyed: .milliseconds(1))
        coordinator.assign([Self.p0])
        coordinator.relearn(Self.p0, until: 20)
        #expect(coordinator.record(partition: Self.p0, offset: 15) == .relearn(slot: 0))
        #expect(coordinator.keyedSnapshotPositions.isEmpty, "still relearning")
        #expect(coordinator.record(partition: Self.p0, offset: 19) == .relearn(slot: 0))
        #expect(coordinator.keyedSnapshotPositions.map(\.nextOffset) == [20])
        #expect(coordinator.offsetsToCommit().isEmpty, "relearned records are not committed again")
        #expect(coordinator.record(partition: Self.p0, offset: 20) == .process(slot: 0, beginTransaction: false))
        #expect(coordinator.keyedSnapshotPositions.map(\.nextOffset) == [21])
        #expect(coordinator.offsetsToCommit() == [Self.p0: 21])
    }

    @Test func duplicateDeliveriesAreDroppedNotTrapped() {
        var coordinator = Self.coordinator(.atLeastOnce)
        coordinator.assign([Self.p0])
        _ = Self.process(&coordinator, Self.p0, 5, outputs: 0)
        #expect(coordinator.record(partition: Self.p0, offset: 5) == .duplicate)
        #expect(coordinator.record(partition: Self.p0, offset: 3) == .duplicate)
        #expect(coordinator.record(partition: Self.p0, offset: 6) == .process(slot: 0, beginTransaction: false))
    }

    @Test func revocationCheckpointsSynchronouslyUnlessFailedAndReleases() {
        var coordinator = Self.coordinator(.atLeastOnce)
        coordinator.assign([Self.p0, Self.p1])
        #expect(coordinator.revoke([Self.p0], failed: false) == [.checkpoint(synchronous: true)])
        #expect(coordinator.revoke([Self.p0], failed: true).isEmpty)
        coordinator.release([Self.p0])
        #expect(coordinator.assigned == [Self.p1])
        // A late report for the released partition is harmless and commits nothing there.
        #expect(coordinator.delivery(token: PipelineCoordinator.token(slot: 0, offset: 3), outcome: .delivered, producerAlive: true)
            == .acknowledged)
        #expect(coordinator.offsetsToCommit().isEmpty)
    }

    @Test func lostPartitionsAbortTheOpenTransactionOnlyUnderExactlyOnce() {
        var exactlyOnce = Self.coordinator(.exactlyOnce)
        exactlyOnce.assign([Self.p0])
        let result6 = exactlyOnce.lose([Self.p0])
        #expect(!result6, "no transaction open")
        _ = exactlyOnce.record(partition: Self.p0, offset: 0)
        let result7 = exactlyOnce.lose([Self.p0])
        #expect(result7)
        #expect(!exactlyOnce.transactionOpen)
        var atLeastOnce = Self.coordinator(.atLeastOnce)
        atLeastOnce.assign([Self.p0])
        _ = atLeastOnce.record(partition: Self.p0, offset: 0)
        let result8 = atLeastOnce.lose([Self.p0])
        #expect(!result8)
    }

    @Test func tokensCarryTheSlotAndOffset() {
        let token = PipelineCoordinator.token(slot: 3, offset: 123_456_789)
        #expect(PipelineCoordinator.offset(of: token) == 123_456_789)
        #expect(Int(token >> PipelineCoordinator.offsetBits) - 1 == 3)
    }
}

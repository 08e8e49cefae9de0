import Testing
@testable import WeirStream

struct PartitionOffsetTrackerTests {
    @Test func commitsOnlyPastFullyAcknowledgedOffsets() {
        var tracker = PartitionOffsetTracker()
        #expect(tracker.committable == nil)
        tracker.begin(10); tracker.addOutput(); tracker.addOutput()
        tracker.begin(11); tracker.addOutput()
        tracker.begin(12) // filtered out: no outputs
        #expect(tracker.committable == 10)
        tracker.acknowledge(11)
        #expect(tracker.committable == 10, "11 done but 10 still pending")
        tracker.acknowledge(10)
        #expect(tracker.committable == 10, "one of 10's two outputs is still pending")
        tracker.acknowledge(10)
        #expect(tracker.committable == 13)
        #expect(tracker.inFlight == 0)
    }

    @Test func takeCommittableReportsOnlyMovement() {
        var tracker = PartitionOffsetTracker()
        tracker.begin(0); tracker.addOutput()
        #expect(tracker.takeCommittable() == 0)
        #expect(tracker.takeCommittable() == nil)
        tracker.acknowledge(0)
        #expect(tracker.takeCommittable() == 1)
        tracker.begin(5)
        #expect(tracker.takeCommittable() == 6, "gaps (compacted topics) are fine")
    }

    @Test func outOfOrderAcknowledgementsOverManyOffsets() {
        var tracker = PartitionOffsetTracker()
        for offset in Int64(0)..<10_000 { tracker.begin(offset); tracker.addOutput() }
        var generator = SystemRandomNumberGenerator()
        let order = Array(Int64(0)..<10_000).shuffled(using: &generator)
        var acknowledged = [Bool](repeating: false, count: 10_000)
        var lowest = 0
        var mismatches = 0
        for offset in order {
            tracker.acknowledge(offset)
            acknowledged[Int(offset)] = true
            while lowest < 10_000, acknowledged[lowest] { lowest += 1 }
            if tracker.committable != Int64(lowest) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(tracker.inFlight == 0)
    }
}

import Foundation
import Testing
import WeirCore
@testable import WeirStream

/// After a crash, a pending transaction is recorded committed only on proof, and two
/// instances of one topology never share a transactional.id by default.
struct TransactionLogTests {
    static let a = PartitionID(topic: "in", partition: 0), b = PartitionID(topic: "in", partition: 1)
    static let pending: [PartitionID: Int64] = [a: 120, b: 80]

    @Test func offsetsCarryingTheIdProveTheCommit() {
        let mine = TransactionLog.offsetMetadata("g.t/1-7")
        #expect(TransactionLog.outcome(of: "g.t/1-7", pending: Self.pending, committed: [Self.a: (120, mine), Self.b: (80, mine)]) == .committed("g.t/1-7"))
    }

    @Test func offsetsShortOfThePendingOnesProveTheAbort() {
        let earlier = TransactionLog.offsetMetadata("g.t/1-6")
        #expect(TransactionLog.outcome(of: "g.t/1-7", pending: Self.pending, committed: [Self.a: (100, earlier), Self.b: (80, earlier)]) == .aborted("g.t/1-7"))
        #expect(TransactionLog.outcome(of: "g.t/1-7", pending: Self.pending, committed: [:]) == .aborted("g.t/1-7"))
    }

    /// The case the old check got wrong: another member took the partitions over and
    /// committed past them; whether ours committed first is unknown, so it is not counted.
    @Test func offsetsPastThePendingOnesUnderAnotherIdProveNothing() {
        let theirs = TransactionLog.offsetMetadata("g.t.other/1-3")
        #expect(TransactionLog.outcome(of: "g.t/1-7", pending: Self.pending, committed: [Self.a: (200, theirs), Self.b: (95, theirs)]) == .unknown("g.t/1-7"))
        // Offsets without metadata (a broker that drops it) prove nothing either.
        #expect(TransactionLog.outcome(of: "g.t/1-7", pending: Self.pending, committed: [Self.a: (120, ""), Self.b: (80, "")]) == .unknown("g.t/1-7"))
    }

    @Test func unknownEntriesAreNotCommittedIDs() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-txlog-\(UUID().uuidString)").path
        try "pending x/1-1 in:0=5\ncommitted x/1-1\npending x/1-2 in:0=9\nunknown x/1-2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try TransactionLog.committedIDs(inFile: path) == ["x/1-1"])
    }

    @Test func defaultTransactionalIDsDifferPerInstanceAndStayPerLog() {
        func id(_ environment: [String: String] = [:], host: String = "node-1", log: String?, pid: Int32 = 100) -> String {
            TransactionalIdentity.defaultID(group: "g", topology: "t", environment: environment, hostName: host, transactionLogPath: log, processID: pid)
        }
        #expect(id(["WEIR_INSTANCE_ID": "pod-3"], log: nil) == "g.t.pod-3")
        #expect(id(log: "/var/weir/one/transactions.log", pid: 1) == id(log: "/var/weir/one/transactions.log", pid: 2), "stable across restarts")
        #expect(id(log: "/var/weir/one/transactions.log") != id(log: "/var/weir/two/transactions.log"), "two instances on one host")
        #expect(id(host: "node-1", log: "/x.log") != id(host: "node-2", log: "/x.log"))
        #expect(id(log: nil, pid: 1) != id(log: nil, pid: 2))
        #expect(id(log: nil).hasPrefix("g.t.node-1-"))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import WeirCore
import WeirKafka

/// An append-only record of the transactions this instance committed. Every output of
/// an exactly-once pipeline carries its transaction id in the `weir.txn` header, so a
/// reader can keep only records of committed transactions even on brokers that deliver
/// aborted records to `read_committed` consumers.
///
/// Lines: `pending ID TOPIC:PARTITION=OFFSET ...` before the commit is sent, then
/// `committed ID` once it returned. The transaction's input offsets carry its id as their
/// commit metadata. After a crash between the two lines, `reconcile` (run once
/// `initTransactions` has completed or aborted the open transaction) asks the group
/// coordinator: offsets carrying this id prove the commit; offsets short of the pending
/// ones prove the abort; offsets past them with another transaction's id (a member that
/// took the partitions over and committed since) prove nothing, and the transaction is
/// recorded `unknown`, never `committed`.
public final class TransactionLog {
    public static let header = "weir.txn"
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    /// Ids already recorded committed (by this log), so attestations are not repeated.
    private var attested: Set<String> = []

    public init(path: String) throws {
        guard let file = fopen(path, "a+") else {
            throw PipelineError.state("cannot open transaction log \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.file = file
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for case .committed(let id) in Self.parse(text) { attested.insert(id) }
        }
    }

    deinit { fclose(file) }

    func recordPending(_ id: String, offsets: [PartitionID: Int64]) throws {
        let list = offsets.sorted { $0.key < $1.key }.map { "\($0.key.topic):\($0.key.partition)=\($0.value)" }
        try append("pending \(id) \(list.joined(separator: " "))")
    }

    func recordCommitted(_ id: String) throws {
        try append("committed \(id)")
        attested.insert(id)
    }

    func recordAborted(_ id: String) throws {
        try append("aborted \(id)")
    }

    /// The offset-commit metadata of transaction `id`.
    public static func offsetMetadata(_ id: String) -> String { "\(header)=\(id)" }

    /// The transaction id in an offset's commit metadata, when Weir wrote it.
    static func transactionID(inOffsetMetadata metadata: String) -> String? {
        let prefix = header + "="
        guard metadata.hasPrefix(prefix), metadata.count > prefix.count else { return nil }
        return String(metadata.dropFirst(prefix.count))
    }

    /// Records as committed the transactions whose ids the group's offsets carried on an
    /// assignment, once each (another member's pending transaction is proven this way).
    func recordAttested(_ ids: [String]) throws {
        for id in Set(ids).sorted() where !attested.contains(id) {
            try append("committed \(id)")
            attested.insert(id)
        }
    }

    /// What the group's committed offsets (with their metadata) prove about a pending
    /// transaction that committed `pending` offsets.
    static func outcome(of id: String, pending: [PartitionID: Int64],
                        committed: [PartitionID: (offset: Int64, metadata: String)]) -> Entry {
        guard !pending.isEmpty else { return .unknown(id) }
        let mine = offsetMetadata(id)
        if pending.keys.allSatisfy({ committed[$0]?.metadata == mine && committed[$0]?.offset == pending[$0] }) { return .committed(id) }
        if pending.contains(where: { (committed[$0.key]?.offset ?? -1) < $0.value }) { return .aborted(id) }
        return .unknown(id)
    }

    private func append(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count, fflush(file) == 0, fsync(fileno(file)) == 0 else {
            throw PipelineError.state("cannot write transaction log \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Resolves a pending transaction left by a crash, using the group's committed offsets.
    func reconcile(consumer: KafkaConsumer, logger: Logger) throws {
        let entries = Self.parse(try String(contentsOfFile: path, encoding: .utf8))
        guard let last = entries.last, case .pending(let id, let offsets) = last else { return }
        let committed = try consumer.committedWithMetadata(Array(offsets.keys), timeoutMs: 30_000)
        switch Self.outcome(of: id, pending: offsets, committed: committed) {
        case .committed:
            logger.info("transaction \(id) committed before the last stop (the group's offsets carry its id); recording it")
            try recordCommitted(id)
        case .aborted:
            logger.info("transaction \(id) did not commit before the last stop; recording it aborted")
            try recordAborted(id)
        default:
            logger.warning("""
                the outcome of transaction \(id) is unknown: the group's offsets moved past it under another transaction \
                (another member took its partitions over); recording it unknown, not committed
                """)
            try append("unknown \(id)")
        }
    }

    enum Entry: Equatable {
        case pending(String, [PartitionID: Int64])
        case committed(String)
        case aborted(String)
        /// A crash left it pending and nothing proves how it ended.
        case unknown(String)
    }

    static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { return nil }
            let id = String(parts[1])
            switch parts[0] {
            case "committed": return .committed(id)
            case "aborted": return .aborted(id)
            case "unknown": return .unknown(id)
            case "pending":
                var offsets: [PartitionID: Int64] = [:]
                for item in parts.dropFirst(2) {
                    guard let equals = item.lastIndex(of: "="), let colon = item[..<equals].lastIndex(of: ":"),
                          let partition = Int32(item[item.index(after: colon)..<equals]),
                          let offset = Int64(item[item.index(after: equals)...]) else { continue }
                    offsets[PartitionID(topic: String(item[..<colon]), partition: partition)] = offset
                }
                return .pending(id, offsets)
            default: return nil
            }
        }
    }

    /// Ids of committed transactions in a log file: what a verifier counts.
    /// The highest input offset per partition that a transaction this log records as
    /// committed committed: what the group's offsets must be at least, unless reset.
    func committedOffsets() -> [PartitionID: Int64] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var pending: [String: [PartitionID: Int64]] = [:]
        var highest: [PartitionID: Int64] = [:]
        for entry in Self.parse(text) {
            switch entry {
            case .pending(let id, let offsets): pending[id] = offsets
            case .committed(let id):
                if let offsets = pending.removeValue(forKey: id) { highest.merge(offsets) { max($0, $1) } }
            case .aborted(let id), .unknown(let id): pending[id] = nil
            }
        }
        return highest
    }

    public static func committedIDs(inFile path: String) throws -> Set<String> {
        var ids = Set<String>()
        for entry in parse(try String(contentsOfFile: path, encoding: .utf8)) {
            if case .committed(let id) = entry { ids.insert(id) }
        }
        return ids
    }
}

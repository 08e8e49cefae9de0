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
/// `committed ID` once it returned. After a crash between the two, `reconcile` asks the
/// group coordinator: offsets at or past the pending ones mean the commit went through.
public final class TransactionLog {
    public static let header = "weir.txn"
    let path: String
    private let file: UnsafeMutablePointer<FILE>

    public init(path: String) throws {
        guard let file = fopen(path, "a+") else {
            throw PipelineError.state("cannot open transaction log \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.file = file
    }

    deinit { fclose(file) }

    func recordPending(_ id: String, offsets: [PartitionID: Int64]) throws {
        let list = offsets.sorted { $0.key < $1.key }.map { "\($0.key.topic):\($0.key.partition)=\($0.value)" }
        try append("pending \(id) \(list.joined(separator: " "))")
    }

    func recordCommitted(_ id: String) throws {
        try append("committed \(id)")
    }

    func recordAborted(_ id: String) throws {
        try append("aborted \(id)")
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
        let committed = try consumer.committed(Array(offsets.keys), timeoutMs: 30_000)
        let wentThrough = !offsets.isEmpty && offsets.allSatisfy { (committed[$0.key] ?? -1) >= $0.value }
        if wentThrough {
            logger.info("transaction \(id) committed before the last stop; recording it")
            try recordCommitted(id)
        } else {
            try append("aborted \(id)")
        }
    }

    enum Entry: Equatable {
        case pending(String, [PartitionID: Int64])
        case committed(String)
        case aborted(String)
    }

    static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { return nil }
            let id = String(parts[1])
            switch parts[0] {
            case "committed": return .committed(id)
            case "aborted": return .aborted(id)
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
    public static func committedIDs(inFile path: String) throws -> Set<String> {
        var ids = Set<String>()
        for entry in parse(try String(contentsOfFile: path, encoding: .utf8)) {
            if case .committed(let id) = entry { ids.insert(id) }
        }
        return ids
    }
}

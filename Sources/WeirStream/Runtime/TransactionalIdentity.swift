import Foundation
import WeirCore

/// The producer `transactional.id` of an exactly-once instance when the topology names
/// none. It must differ between the instances of one topology (two instances with one
/// id fence each other in a loop) and should stay the same when an instance restarts
/// (initialising the id then aborts the open transaction the crash left, instead of
/// letting it hold back read_committed consumers until `transaction.timeout.ms`).
/// Formed as `GROUP.TOPOLOGY.INSTANCE`, where INSTANCE is `WEIR_INSTANCE_ID` when set,
/// else the host name with a hash of the transaction log's absolute path (stable per
/// instance), else the host name with the process id (unique, but not stable).
public enum TransactionalIdentity {
    public static func defaultID(group: String, topology: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                                 hostName: String = ProcessInfo.processInfo.hostName, transactionLogPath: String?,
                                 processID: Int32 = getpid()) -> String {
        "\(group).\(topology).\(instance(environment: environment, hostName: hostName, transactionLogPath: transactionLogPath, processID: processID))"
    }

    static func instance(environment: [String: String], hostName: String, transactionLogPath: String?, processID: Int32) -> String {
        if let given = environment["WEIR_INSTANCE_ID"], !given.isEmpty { return given }
        let host = hostName.isEmpty ? "host" : hostName
        guard let transactionLogPath else { return "\(host)-pid\(processID)" }
        let absolute = URL(fileURLWithPath: transactionLogPath).standardizedFileURL.path
        var hash = FNV1a()
        hash.add(absolute.utf8)
        return "\(host)-\(String(hash.value, radix: 16))"
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A child process started with posix_spawn and reaped with waitpid. Foundation's
/// `Process` on Linux can abort when several tests start processes at once; this is
/// the small, thread-safe subset the tests need.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `executable` with `arguments` in `directory`, sending stdout and stderr to
    /// the given files (or /dev/null).
    public init(executable: String, arguments: [String], directory: String? = nil,
                stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // coreutils' `env -C` changes directory before exec (glibc's addchdir is not exported here).
        let command = directory.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]
        let argv: [UnsafeMutablePointer<CChar>?] = (command + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, command[0], &actions, nil, argv, environ)
        guard result == 0 else {
            throw NSError(domain: "ChildProcess", code: Int(result),
                          userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): \(String(cString: strerror(result)))"])
        }
        pid = child
    }

    /// The exit code (or 128 + signal), once the process has ended.
    public var terminationStatus: Int32? {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid {
                    let signal = raw & 0x7F
                    status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
                }
            }
            return status
        }
    }

    public var isRunning: Bool { terminationStatus == nil }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// Waits up to `seconds` for the process to end; true when it did.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning, Date() < deadline { usleep(20_000) }
        return !isRunning
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            wait(seconds: 5)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes SageMaker's failure file when the process dies of a signal (a trap is a bug in
/// Weir, but the job must still say why it stopped), then hands the signal to the handler
/// that was there before (Swift's backtracer), which ends the process.
enum CrashReport {
    /// Set once before the handlers are installed, read only by them.
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var message: UnsafeMutablePointer<CChar>?
    /// The handlers before ours, by signal number (a plain buffer: handlers must not allocate).
    nonisolated(unsafe) private static var previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    nonisolated(unsafe) private static var hadPrevious = UnsafeMutablePointer<Bool>.allocate(capacity: 65)
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE]

    static func install(failurePath: String, job: String) {
        // The folder must exist before a crash: a handler cannot create it safely.
        let folder = String(failurePath[..<(failurePath.lastIndex(of: "/") ?? failurePath.startIndex)])
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        path = strdup(failurePath)
        message = strdup("weir \(job) stopped on a crash (a bug in Weir, not in your data or settings): see the job's log for the backtrace and report it\n")
        hadPrevious.initialize(repeating: false, count: 65)
        // A parent may have started us with these signals blocked (the mask is inherited).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in signals { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signal, info, context in
                if let path = CrashReport.path, let message = CrashReport.message {
                    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                    if descriptor >= 0 {
                        _ = write(descriptor, message, strlen(message))
                        close(descriptor)
                    }
                }
                if signal >= 0, signal < 65, CrashReport.hadPrevious[Int(signal)] {
                    // The earlier handler (Swift's backtracer) runs now, nested (SA_NODEFER).
                    sigaction(signal, CrashReport.previous + Int(signal), nil)
                    raise(signal)
                }
                // Whatever it did, the process ends with this signal: no code runs after a crash.
                Glibc.signal(signal, SIG_DFL)
                raise(signal)
                _exit(128 + signal)
            }
            action.sa_flags = SA_SIGINFO | SA_NODEFER
            var old = sigaction()
            if sigaction(signal, &action, &old) == 0 {
                (previous + Int(signal)).initialize(to: old)
                hadPrevious[Int(signal)] = true
            }
        }
    }
}

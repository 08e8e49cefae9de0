import Dispatch
import Foundation
import WeirStream

/// Turns SIGINT and SIGTERM into a graceful stop: the pipeline drains in-flight records,
/// commits and closes. A second signal exits at once.
final class SignalHandling: Sendable {
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    init(stop: StopSignal) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isStopped {
                    FileHandle.standardError.write(Data("second signal: exiting without draining\n".utf8))
                    exit(130)
                }
                FileHandle.standardError.write(Data("signal \(number): draining, committing and closing\n".utf8))
                stop.stop()
            }
            source.resume()
            sources.append(source)
        }
    }
}

/// Prints a one-line progress summary to a terminal (never into piped output).
enum ProgressLine {
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static func printer(start: ContinuousClock.Instant = .now) -> ((PipelineStats) -> Void)? {
        guard isTerminal else { return nil }
        return { stats in
            let seconds = Double((ContinuousClock.now - start).components.seconds)
            let rate = seconds > 0 ? Int(Double(stats.recordsIn) / seconds) : 0
            FileHandle.standardError.write(Data("[weir] \(stats.summary) rate=\(rate)/s\n".utf8))
        }
    }
}

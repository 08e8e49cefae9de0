import Foundation
import Logging
import ServiceLifecycle
import WeirStream

/// Runs a blocking pipeline as a swift-service-lifecycle service: the pipeline gets its
/// own thread (it blocks in librdkafka and must stay off the cooperative pool), and a
/// graceful shutdown (SIGTERM or SIGINT, through the `ServiceGroup`) sets its stop flag so
/// it drains in-flight records, commits and closes before `run` returns.
struct PipelineService: Service {
    let name: String
    let body: @Sendable (StopSignal) throws -> Void

    func run() async throws {
        let stop = StopSignal()
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let thread = Thread {
                    do {
                        try body(stop)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = name
                thread.stackSize = 8 << 20
                thread.start()
            }
        } onGracefulShutdown: {
            FileHandle.standardError.write(Data("shutdown requested: draining, committing and closing\n".utf8))
            stop.stop()
        }
    }

    /// Runs `body` under a service group that turns SIGTERM and SIGINT into a graceful stop.
    static func runUntilSignalled(name: String, logger: Logger, _ body: @escaping @Sendable (StopSignal) throws -> Void) async throws {
        let service = PipelineService(name: name, body: body)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                             failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: name)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Reports a running pipeline's progress: a line every 5 s on a terminal, and a log line
/// every 30 s otherwise (a service, a CI job, a piped run), so a long run is never silent.
/// Each report gives the totals and the input rate since the previous one.
enum ProgressLine {
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static func printer(logger: Logger, start: ContinuousClock.Instant = .now) -> (PipelineStats) -> Void {
        let terminal = isTerminal
        var last = start
        var lastIn = 0
        return { stats in
            let now = ContinuousClock.now
            guard terminal || now - last >= .seconds(30) else { return }
            let elapsed = now - last
            let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 1e-9)
            let rate = Int(Double(stats.recordsIn - lastIn) / seconds)
            last = now
            lastIn = stats.recordsIn
            if terminal {
                FileHandle.standardError.write(Data("[weir] \(stats.summary) rate=\(rate)/s\n".utf8))
            } else {
                logger.info("progress", metadata: ["stats": "\(stats.summary)", "records_per_second": "\(rate)"])
            }
        }
    }
}

import Synchronization

/// A flag the pipeline thread checks between records; set from signal handlers or tests
/// to drain in-flight records, commit and close.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func stop() { flag.store(true, ordering: .releasing) }
    public var isStopped: Bool { flag.load(ordering: .acquiring) }
}

extension Duration {
    /// The whole duration in nanoseconds, for metrics that take integers.
    var totalNanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}

/// Running totals of one pipeline, for the progress line and the final summary.
public struct PipelineStats: Sendable, Equatable {
    public var recordsIn = 0
    public var recordsOut = 0
    public var deadLettered = 0
    public var commits = 0
    public var commitFailures = 0
    public var rebalances = 0
    public var transactionsCommitted = 0
    public var transactionsAborted = 0
    /// Times consumption was paused because too many outputs were in flight.
    public var backpressurePauses = 0
    /// Records re-read after a hand-off so keyed state relearns them (nothing written).
    public var recordsRelearned = 0
    /// Assignments that found a committed offset below one this instance committed.
    public var committedOffsetsBackwards = 0

    public init() {}

    public var summary: String {
        var text = "in=\(recordsIn) out=\(recordsOut) dead_lettered=\(deadLettered)"
        if commits > 0 { text += " commits=\(commits)" }
        if rebalances > 0 { text += " rebalances=\(rebalances)" }
        if recordsRelearned > 0 { text += " relearned=\(recordsRelearned)" }
        if backpressurePauses > 0 { text += " backpressure_pauses=\(backpressurePauses)" }
        if transactionsCommitted > 0 || transactionsAborted > 0 {
            text += " txn_committed=\(transactionsCommitted) txn_aborted=\(transactionsAborted)"
        }
        return text
    }
}

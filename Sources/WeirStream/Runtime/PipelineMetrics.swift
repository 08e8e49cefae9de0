import CoreMetrics
import WeirCore

/// The pipeline's metrics through swift-metrics (exported by Prometheus when `weir run`
/// bootstraps it): records in, out and dead-lettered per topic, lag per partition,
/// processing latency, rebalances and commit failures. Handles are cached per label so
/// the per-record cost is one atomic add.
final class PipelineMetrics {
    private let topology: String
    private var recordsIn: [String: Counter] = [:]
    private var recordsOut: [String: Counter] = [:]
    private var deadLettered: [String: Counter] = [:]
    private var lag: [PartitionID: Gauge] = [:]
    let latency: Timer
    let rebalances: Counter
    let commitFailures: Counter
    let deliveryFailures: Counter
    /// Assignments that found a committed offset below one this instance had committed.
    let committedOffsetsBackwards: Counter

    init(topology: String) {
        self.topology = topology
        latency = Timer(label: "weir_processing_latency_seconds", dimensions: [("topology", topology)],
                        preferredDisplayUnit: .seconds)
        rebalances = Counter(label: "weir_rebalances_total", dimensions: [("topology", topology)])
        commitFailures = Counter(label: "weir_commit_failures_total", dimensions: [("topology", topology)])
        deliveryFailures = Counter(label: "weir_delivery_failures_total", dimensions: [("topology", topology)])
        committedOffsetsBackwards = Counter(label: "weir_committed_offsets_backwards_total", dimensions: [("topology", topology)])
    }

    /// The records-in counter of `topic`, kept per source rather than looked up per record.
    func recordsInCounter(topic: String) -> Counter {
        counter(&recordsIn, "weir_records_in_total", topic)
    }

    /// The records-out counter of `sink` (`kafka:TOPIC`, `file:PATH` or `stdout`), kept once
    /// per sink rather than looked up per record.
    func recordsOutCounter(sink: String) -> Counter {
        counter(&recordsOut, "weir_records_out_total", sink, label: "sink")
    }

    /// Creates the per-topic series at zero, so that they exist from start-up (a rate or
    /// an alert on a series that appears only with its first event misses that event).
    func register(sourceTopics: [String]) {
        for topic in sourceTopics {
            _ = recordsInCounter(topic: topic)
            _ = counter(&deadLettered, "weir_records_dead_lettered_total", topic)
        }
    }

    func deadLetter(topic: String) {
        counter(&deadLettered, "weir_records_dead_lettered_total", topic).increment()
    }

    func setLag(_ partition: PartitionID, _ value: Int64) {
        let gauge = lag[partition] ?? {
            let made = Gauge(label: "weir_consumer_lag", dimensions: [
                ("topology", topology), ("topic", partition.topic), ("partition", String(partition.partition)),
            ])
            lag[partition] = made
            return made
        }()
        gauge.record(value)
    }

    private func counter(_ cache: inout [String: Counter], _ name: String, _ value: String,
                         label: String = "topic") -> Counter {
        if let counter = cache[value] { return counter }
        let counter = Counter(label: name, dimensions: [("topology", topology), (label, value)])
        cache[value] = counter
        return counter
    }
}

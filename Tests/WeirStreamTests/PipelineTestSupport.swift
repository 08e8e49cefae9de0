import Foundation
import WeirCatalog
import WeirCore
import WeirKafka
import WeirStream

/// Runs blocking pipeline code on a dedicated thread (never on the test's cooperative
/// pool) and hands back its result.
func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Runs a Kafka topology until it has been idle for `idleSeconds`, returning its stats.
func runKafkaTopology(_ yaml: String, bootstrap: String, idleSeconds: Double = 2,
                      transactionLog: String? = nil, maxInFlight: Int? = nil) async throws -> PipelineStats {
    try await onDedicatedThread {
        let spec = try TopologyLoader.parse(yaml, file: "test.yaml", catalog: .weir)
        let pipeline = try KafkaPipeline(spec: spec, configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]),
                                         transactionLogPath: transactionLog)
        pipeline.idleTimeout = .milliseconds(Int64(idleSeconds * 1000))
        if let maxInFlight { pipeline.maxInFlight = maxInFlight }
        try pipeline.run(until: StopSignal())
        return pipeline.stats
    }
}

/// Produces `values` (with keys) and waits for every delivery.
func produce(_ records: [(key: String?, value: [UInt8])], to topic: String, bootstrap: String) throws {
    let producer = try KafkaProducer(configuration: KafkaConfiguration([
        "bootstrap.servers": bootstrap, "message.max.bytes": "16777216",
    ]))
    var failures: [KafkaError] = []
    producer.deliveryHandler = { if let error = $0.error { failures.append(error) } }
    for (index, record) in records.enumerated() {
        try producer.send(OutgoingMessage(topic: topic, key: record.key.map { Array($0.utf8) }, value: record.value),
                          token: UInt64(index + 1))
    }
    try producer.flush(timeoutMs: 30_000)
    if let failure = failures.first { throw failure }
}

let testGroupSettings = """
  session.timeout.ms: "6000"
  heartbeat.interval.ms: "500"
"""

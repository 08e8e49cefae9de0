import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirCore
import WeirKafka

/// Runs a topology over a replayed file (CSV or JSON lines, or a capture of Kafka
/// records) at full speed, in real time, or sped up N times, into the topology's sinks.
/// Needs no broker unless a sink is a Kafka topic.
public final class ReplayPipeline {
    public let spec: TopologySpec
    /// Per sink, the variant of events it takes (see `TopologySpec.sinkVariants`).
    let sinkVariants: [String?]
    let file: FileSourceSpec
    let logger: Logger
    let processor: RecordProcessor
    let producer: KafkaProducer?
    let sinks: [any EventSink]
    let deadLetter: (any EventSink)?
    let metrics: PipelineMetrics
    public private(set) var stats = PipelineStats()
    private var failure: PipelineError?
    public var progress: ((PipelineStats) -> Void)?

    public init(spec: TopologySpec, file override: FileSourceSpec? = nil, configuration: KafkaConfiguration = KafkaConfiguration(),
                logger: Logger = Logger(label: "weir.replay"), catalog: AlgorithmCatalog? = nil) throws {
        if let override {
            file = override
        } else if case .file(let fileSpec) = spec.source {
            file = fileSpec
        } else {
            throw PipelineError.source("replay needs a file source: give the file on the command line or a 'source: file:' in the topology")
        }
        self.spec = spec
        self.logger = logger
        processor = RecordProcessor(spec: spec, catalog: catalog)
        metrics = PipelineMetrics(topology: spec.name)
        var producer: KafkaProducer?
        if SinkFactory.needsProducer(spec) {
            let merged = spec.producerConfiguration(configuration)
            guard merged["bootstrap.servers"] != nil else {
                throw PipelineError.source("a kafka sink needs bootstrap servers: set kafka.bootstrap.servers in the topology or pass --bootstrap (replay has no embedded broker; use a file or stdout sink to see the output, or weir run --embedded-broker)")
            }
            producer = try KafkaProducer(configuration: merged)
        }
        self.producer = producer
        sinks = try spec.sinks.map { try SinkFactory.make($0, producer: producer) }
        sinkVariants = spec.sinks.indices.map { spec.sinkVariants.indices.contains($0) ? spec.sinkVariants[$0] : nil }
        deadLetter = try spec.deadLetter.map { try SinkFactory.make($0, producer: producer) }
        producer?.deliveryHandler = { [unowned self] report in
            if let error = report.error, self.failure == nil { self.failure = .delivery(error) }
        }
    }

    /// Replays the whole file (or until `stop`), then flushes every sink.
    ///
    /// Two threads share the work: a transform thread reads, decodes and runs the operator
    /// chain; this thread serialises the results and writes them (and dead letters) to
    /// the sinks in input order. Batches between them are bounded, so memory is too.
    /// On `stop` the transform thread stops reading and what it already read is written.
    public func run(until stop: StopSignal = StopSignal()) throws {
        let reader = try FileRecordReader(path: file.path, format: file.format)
        let recordsInCounter = metrics.recordsInCounter(topic: file.path)
        let recordsOutCounters = sinks.map { metrics.recordsOutCounter(sink: $0.name) }
        try processor.open()
        let handoff = BoundedHandoff<ReplayBatch>(capacity: 8)
        let transform = ReplayTransformStage(reader: reader, processor: processor, stop: stop, handoff: handoff)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            transform.run()
            finished.signal()
        }
        thread.name = "weir-replay-transform"
        thread.start()
        do {
            try writeResults(from: handoff, recordsIn: recordsInCounter, recordsOut: recordsOutCounters)
        } catch {
            // The transform thread is released and waited for before anything it uses is
            // touched; what was written before the failure is flushed, not lost in buffers.
            handoff.close()
            finished.wait()
            for sink in sinks { try? sink.close() }
            try? deadLetter?.close()
            throw error
        }
        handoff.close()
        finished.wait()
        for sink in sinks { try sink.close() }
        try deadLetter?.close()
        try processor.close()
        if let failure { throw failure }
        logger.info("replay finished", metadata: ["file": "\(file.path)", "stats": "\(stats.summary)"])
    }

    /// Takes transformed batches in input order and writes their results and dead letters.
    private func writeResults(from handoff: BoundedHandoff<ReplayBatch>, recordsIn recordsInCounter: Counter,
                              recordsOut recordsOutCounters: [Counter]) throws {
        let pacer = ReplayPacer(pace: file.pace)
        var lastProgress = ContinuousClock.now
        var counter = 0
        batches: while failure == nil, let batch = handoff.take() {
            var eventIndex = batch.events.startIndex
            for itemIndex in batch.items.indices {
                stats.recordsIn += 1
                recordsInCounter.increment()
                if let error = batch.items[itemIndex].error {
                    try sendToDeadLetter(batch.items[itemIndex].record, error)
                    continue
                }
                if let timestamp = batch.items[itemIndex].eventTime { pacer.wait(until: timestamp) }
                for _ in 0..<batch.items[itemIndex].eventCount {
                    let output = RecordProcessor.message(for: batch.events[eventIndex])
                    eventIndex += 1
                    let variant = output.headers.variant
                    for (index, (sink, counter)) in zip(sinks, recordsOutCounters).enumerated()
                        where sinkVariants[index] == variant {
                        if try write(output, to: sink, for: batch.items[itemIndex].record) { counter.increment() }
                    }
                }
                counter += 1
                if counter & 0x3FF == 0 {
                    producer?.poll(timeoutMs: 0)
                    if failure != nil { break batches }
                    if let progress, ContinuousClock.now - lastProgress >= .seconds(5) {
                        lastProgress = ContinuousClock.now
                        progress(stats)
                    }
                }
            }
            if let sourceFailure = batch.sourceFailure { throw sourceFailure }
        }
    }

    /// Writes one output; false when the sink refused the record and it was dead-lettered.
    private func write(_ output: OutgoingMessage, to sink: any EventSink, for record: RawRecord) throws -> Bool {
        do {
            try sink.write(output, token: 1)
            stats.recordsOut += 1
            return true
        } catch {
            guard error.isRecordProblem else { throw error }
            try sendToDeadLetter(record, RecordError(.sink, error.message))
            return false
        }
    }

    private func sendToDeadLetter(_ record: RawRecord, _ error: RecordError) throws {
        stats.deadLettered += 1
        metrics.deadLetter(topic: record.origin.topic)
        guard let deadLetter else {
            logger.warning("record rejected and no dead_letter sink is configured",
                           metadata: ["origin": "\(record.origin)", "reason": "\(error)"])
            return
        }
        let letter = DeadLetterRouter.letter(for: record, error: error, to: deadLetter)
        try deadLetter.write(letter, token: 1)
    }
}

/// One input record as the transform thread hands it over: how many result events it
/// produced (they sit in the batch's `events`, in order), or why it was rejected.
struct ReplayItem: Sendable {
    var record: RawRecord
    var eventCount: Int
    var eventTime: Int64?
    var error: RecordError?
}

/// Records read and transformed together, passed between the replay threads as one unit
/// so that the handoff costs one lock per batch rather than per record.
struct ReplayBatch: Sendable {
    var items: [ReplayItem] = []
    var events: [Event] = []
    /// Set on the last batch when the file could not be read to its end.
    var sourceFailure: SourceError?
}

/// The reading half of a replay: reads records, runs them through decode and the
/// operator chain and hands batches over. Its reader and processor are used only by
/// the transform thread while it runs, which is what makes sending it across safe.
final class ReplayTransformStage: @unchecked Sendable {
    static let batchSize = 256
    let reader: FileRecordReader
    let processor: RecordProcessor
    let stop: StopSignal
    let handoff: BoundedHandoff<ReplayBatch>

    init(reader: FileRecordReader, processor: RecordProcessor, stop: StopSignal, handoff: BoundedHandoff<ReplayBatch>) {
        self.reader = reader
        self.processor = processor
        self.stop = stop
        self.handoff = handoff
    }

    func run() {
        defer { handoff.close() }
        var batch = Self.emptyBatch()
        while !stop.isStopped {
            let next: RawRecord?
            do {
                next = try reader.next()
            } catch {
                batch.sourceFailure = error
                break
            }
            guard let record = next else { break }
            let firstEvent = batch.events.count
            do {
                try processor.transform(record, into: &batch.events)
                batch.items.append(ReplayItem(record: consume record, eventCount: batch.events.count - firstEvent,
                                              eventTime: processor.lastEventTimestamp))
            } catch {
                batch.events.removeSubrange(firstEvent...)
                batch.items.append(ReplayItem(record: consume record, eventCount: 0, error: error))
            }
            if batch.items.count == Self.batchSize {
                guard handoff.put(batch) else { return }
                batch = Self.emptyBatch()
            }
        }
        if !batch.items.isEmpty || batch.sourceFailure != nil { _ = handoff.put(batch) }
    }

    private static func emptyBatch() -> ReplayBatch {
        var batch = ReplayBatch()
        batch.items.reserveCapacity(batchSize)
        batch.events.reserveCapacity(batchSize)
        return batch
    }
}

/// Sleeps so that records are delivered at their timestamps' pace, scaled by a factor.
final class ReplayPacer {
    let factor: Double?
    private var firstTimestamp: Int64?
    private var start = ContinuousClock.now

    init(pace: ReplayPace) {
        if case .scaled(let factor) = pace { self.factor = factor } else { self.factor = nil }
    }

    func wait(until timestamp: Int64) {
        guard let factor else { return }
        guard let first = firstTimestamp else {
            firstTimestamp = timestamp
            start = ContinuousClock.now
            return
        }
        let elapsedMs = Double(timestamp - first) / factor
        let target = start + .milliseconds(Int64(elapsedMs))
        let now = ContinuousClock.now
        if target > now { Thread.sleep(forTimeInterval: Double((target - now).totalNanoseconds) / 1e9) }
    }
}

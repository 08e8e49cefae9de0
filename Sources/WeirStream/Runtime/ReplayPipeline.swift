import Foundation
import Logging
import WeirCore
import WeirKafka

/// Runs a topology over a replayed file (CSV or JSON lines, or a capture of Kafka
/// records) at full speed, in real time, or sped up N times, into the topology's sinks.
/// Needs no broker unless a sink is a Kafka topic.
public final class ReplayPipeline {
    public let spec: TopologySpec
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
                logger: Logger = Logger(label: "weir.replay")) throws {
        if let override {
            file = override
        } else if case .file(let fileSpec) = spec.source {
            file = fileSpec
        } else {
            throw PipelineError.source("replay needs a file source: give the file on the command line or a 'source: file:' in the topology")
        }
        self.spec = spec
        self.logger = logger
        processor = RecordProcessor(spec: spec)
        metrics = PipelineMetrics(topology: spec.name)
        var producer: KafkaProducer?
        if SinkFactory.needsProducer(spec) {
            let merged = spec.producerConfiguration(configuration)
            guard merged["bootstrap.servers"] != nil else {
                throw PipelineError.source("a kafka sink needs bootstrap servers: set kafka.bootstrap.servers, --bootstrap, or --embedded-broker")
            }
            producer = try KafkaProducer(configuration: merged)
        }
        self.producer = producer
        sinks = try spec.sinks.map { try SinkFactory.make($0, producer: producer) }
        deadLetter = try spec.deadLetter.map { try SinkFactory.make($0, producer: producer) }
        producer?.deliveryHandler = { [unowned self] report in
            if let error = report.error, self.failure == nil { self.failure = .delivery(error) }
        }
    }

    /// Replays the whole file (or until `stop`), then flushes every sink.
    public func run(until stop: StopSignal = StopSignal()) throws {
        let reader = try FileRecordReader(path: file.path, format: file.format)
        let recordsInCounter = metrics.recordsInCounter(topic: file.path)
        let recordsOutCounters = sinks.map { metrics.recordsOutCounter(sink: $0.name) }
        try processor.open()
        var outputs: [OutgoingMessage] = []
        let pacer = ReplayPacer(pace: file.pace)
        var lastProgress = ContinuousClock.now
        var counter = 0
        while !stop.isStopped, failure == nil {
            guard let record = try reader.next() else { break }
            stats.recordsIn += 1
            recordsInCounter.increment()
            outputs.removeAll(keepingCapacity: true)
            do {
                try processor.process(record, into: &outputs)
            } catch {
                try sendToDeadLetter(record, error)
                continue
            }
            if let timestamp = processor.lastEventTimestamp { pacer.wait(until: timestamp) }
            for output in outputs {
                for (sink, counter) in zip(sinks, recordsOutCounters) {
                    if try write(output, to: sink, for: record) { counter.increment() }
                }
            }
            counter += 1
            if counter & 0x3FF == 0 {
                producer?.poll(timeoutMs: 0)
                if let progress, ContinuousClock.now - lastProgress >= .seconds(5) {
                    lastProgress = ContinuousClock.now
                    progress(stats)
                }
            }
        }
        for sink in sinks { try sink.close() }
        try deadLetter?.close()
        try processor.close()
        if let failure { throw failure }
        logger.info("replay finished", metadata: ["file": "\(file.path)", "stats": "\(stats.summary)"])
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

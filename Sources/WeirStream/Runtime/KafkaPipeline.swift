import CoreMetrics
import Foundation
import Logging
import WeirAlgorithm
import WeirCore
import WeirKafka

/// Runs a topology with a Kafka source: consume in a group, process, produce, and
/// store an input offset only after every output of that record is acknowledged
/// (at-least-once), or commit outputs and input offsets in one transaction per batch
/// (exactly-once). Per-partition operator state is snapshotted to a changelog topic at
/// checkpoints and restored when a partition is assigned.
///
/// Threading: `run` blocks in librdkafka and must run on a dedicated thread. Delivery
/// reports and rebalance callbacks are served inside that thread's poll calls, so the
/// pipeline's state needs no locks.
public final class KafkaPipeline: ConsumerRebalanceListener {
    public let spec: TopologySpec
    let source: KafkaSourceSpec
    let configuration: KafkaConfiguration
    let adminConfiguration: KafkaConfiguration
    let logger: Logger
    let processor: RecordProcessor
    let consumer: KafkaConsumer
    let producer: KafkaProducer?
    let sinks: [any EventSink]
    /// Per sink, the variant of events it takes (see `TopologySpec.sinkVariants`).
    let sinkVariants: [String?]
    let deadLetter: (any EventSink)?
    let changelog: StateChangelog?
    let metrics: PipelineMetrics
    let transactions: TransactionLog?
    public private(set) var stats = PipelineStats()

    /// Every decision about partitions, offsets, transactions and timing (see
    /// `PipelineCoordinator`); this class carries them out.
    private var coordinator: PipelineCoordinator
    /// Metric handles kept per slot and per sink, so the record path does no lookups.
    private var inCounters: [Counter] = []
    private var outCounters: [Counter] = []
    private var failure: PipelineError?
    private var outputs: [OutgoingMessage] = []
    /// Partitions whose keyed operators (by index) still need their first watermark.
    private var unmarkedKeyedStarts: [PartitionID: [Int]] = [:]
    private var transactionSequence = 0
    /// The highest offset this instance committed per partition (this run, and earlier runs
    /// by its transaction log): a group offset found lower on a later assignment went
    /// backwards (records will be processed again).
    private var committedByUs: [PartitionID: Int64] = [:]
    private var transactionID = ""
    private let instanceEpoch = UInt64(Date().timeIntervalSince1970 * 1000)

    /// Outputs in flight above which the consumer is paused (backpressure).
    public var maxInFlight = 100_000 {
        didSet { coordinator.settings.maxInFlight = maxInFlight }
    }
    public var progress: ((PipelineStats) -> Void)?
    /// Stop (draining and committing) after this long with partitions assigned and no input.
    public var idleTimeout: Duration?
    private var lastInput = ContinuousClock.now

    public init(spec: TopologySpec, configuration: KafkaConfiguration, transactionLogPath: String? = nil,
                logger: Logger = Logger(label: "weir.pipeline"), catalog: AlgorithmCatalog? = nil) throws {
        guard case .kafka(let source) = spec.source else {
            throw PipelineError.source("KafkaPipeline needs a kafka source")
        }
        self.spec = spec
        self.source = source
        self.logger = logger
        var merged = spec.consumerConfiguration(configuration)
        guard merged["bootstrap.servers"] != nil else {
            throw PipelineError.source("no Kafka bootstrap servers: set kafka.bootstrap.servers in the topology, --bootstrap, or use --embedded-broker")
        }
        self.configuration = merged
        adminConfiguration = spec.producerConfiguration(configuration)
        processor = RecordProcessor(spec: spec, catalog: catalog)
        metrics = PipelineMetrics(topology: spec.name)

        merged["group.id"] = source.group
        // No larger max.partition.fetch.bytes by default: librdkafka grows a fetch for a
        // record over the limit by itself, and a 16 MB default quadrupled p50 latency on
        // 4 partitions (benchmarks/README.md).
        if spec.delivery == .exactlyOnce { merged.setDefault("isolation.level", "read_committed") }
        let stateful = !processor.statefulOperators.isEmpty || !processor.keyedOperators.isEmpty
        changelog = stateful ? StateChangelog(topic: spec.stateChangelogTopic ?? "\(source.group).\(spec.name).state") : nil

        let needsProducer = SinkFactory.needsProducer(spec) || stateful || spec.delivery == .exactlyOnce
        var producer: KafkaProducer?
        if needsProducer {
            var producerConfig = spec.producerConfiguration(configuration)
            producerConfig.setDefault("message.max.bytes", String(max(16 << 20, spec.maxRecordBytes * 2 + (64 << 10))))
            if spec.delivery == .exactlyOnce {
                let id = source.transactionalID ?? TransactionalIdentity.defaultID(group: source.group, topology: spec.name,
                                                                                  transactionLogPath: transactionLogPath)
                producerConfig["transactional.id"] = id
                // A killed instance's open transaction holds back read_committed consumers
                // of the outputs until the broker aborts it: 10 s (as Kafka Streams sets
                // under exactly-once), not librdkafka's 60 s. Sockets must time out first.
                producerConfig.setDefault("transaction.timeout.ms", String(max(10_000, spec.commitIntervalMs * 5)))
                let transactionTimeout = Int(producerConfig["transaction.timeout.ms"] ?? "") ?? 60_000 // the user's, when set
                producerConfig.setDefault("socket.timeout.ms", String(min(60_000, transactionTimeout)))
            }
            producer = try KafkaProducer(configuration: producerConfig)
        }
        self.producer = producer
        let keyedInterval = changelog == nil ? nil : processor.keyedOperators.map(\.snapshotIntervalMs).min().map { Duration.milliseconds($0) }
        coordinator = PipelineCoordinator(PipelineCoordinator.Settings(delivery: spec.delivery, commitInterval: .milliseconds(spec.commitIntervalMs),
                                                                       keyedSnapshotInterval: keyedInterval, maxInFlight: 100_000),
                                          now: .now)
        if spec.delivery == .exactlyOnce, let path = transactionLogPath {
            transactions = try TransactionLog(path: path)
            // Offsets committed by earlier runs of this instance count too: a restart that
            // finds the group's offsets below them sees a lost (or reset) commit.
            committedByUs = transactions?.committedOffsets() ?? [:]
        } else {
            transactions = nil
        }

        sinks = try spec.sinks.map { try SinkFactory.make($0, producer: producer) }
        sinkVariants = spec.sinks.indices.map { spec.sinkVariants.indices.contains($0) ? spec.sinkVariants[$0] : nil }
        deadLetter = try spec.deadLetter.map { try SinkFactory.make($0, producer: producer) }
        let listenerBox = RebalanceForwarder()
        consumer = try KafkaConsumer(configuration: merged, listener: listenerBox, logger: logger)
        listenerBox.target = self
        outCounters = sinks.map { metrics.recordsOutCounter(sink: $0.name) }
        metrics.register(sourceTopics: source.topics)
        producer?.deliveryHandler = { [unowned self] report in self.delivered(report) }
    }

    // MARK: Main loop

    /// Consumes until `stop` is set or a fatal error occurs, then drains in-flight
    /// outputs, commits and leaves the group.
    public func run(until stop: StopSignal) throws {
        try processor.open()
        if spec.delivery == .exactlyOnce, let producer {
            try kafka("initialising transactions") { () throws(KafkaError) in try producer.initTransactions(timeoutMs: 60_000) }
            if let transactions {
                try transactions.reconcile(consumer: consumer, logger: logger)
            }
        }
        try kafka("subscribing") { () throws(KafkaError) in try consumer.subscribe(source.topics) }
        logger.info("consuming", metadata: ["topics": "\(source.topics)", "group": "\(source.group)",
                                             "delivery": "\(spec.delivery.rawValue)"])
        var lastProgress = ContinuousClock.now
        while !stop.isStopped && failure == nil {
            let busy = (producer?.outstanding ?? 0) > 0
            if let event = consumer.poll(timeoutMs: busy ? 5 : 100) {
                lastInput = ContinuousClock.now
                handle(event)
                // Drain what is already buffered before doing periodic work.
                var burst = 0
                while burst < 1000, failure == nil, let next = consumer.poll(timeoutMs: 0) {
                    handle(next)
                    burst += 1
                }
                // Idle time counts from the last record handled, not the first of a burst:
                // slow operators can spend longer than the idle timeout on one burst.
                lastInput = ContinuousClock.now
            }
            producer?.poll(timeoutMs: 0)
            let now = ContinuousClock.now
            for action in coordinator.tick(now: now, inFlight: producer?.outstanding ?? 0) { perform(action) }
            if let progress, now - lastProgress >= .seconds(5) {
                lastProgress = now
                progress(stats)
            }
            if let idleTimeout, !coordinator.assigned.isEmpty, now - lastInput >= idleTimeout, (producer?.outstanding ?? 0) == 0 {
                logger.info("no input for \(idleTimeout); stopping")
                break
            }
        }
        if let failure {
            logger.error("stopping on error: \(failure)")
            if coordinator.transactionOpen, let producer { try? producer.abortTransaction(timeoutMs: 10_000) }
            try? consumer.close()
            throw failure
        }
        logger.info("draining and committing before exit")
        try checkpoint(synchronous: true)
        try kafka("closing the consumer") { () throws(KafkaError) in try consumer.close() }
        if let failure { throw failure }
        for sink in sinks { try sink.close() }
        try deadLetter?.close()
        try processor.close()
        logger.info("stopped", metadata: ["stats": "\(stats.summary)"])
    }

    private func handle(_ event: ConsumerEvent) {
        switch event {
        case .message(let message):
            process(message)
        case .partitionEOF:
            break
        case .error(let error):
            if error.isFatal {
                fail(PipelineError.kafka(error, while: "consuming"))
            } else {
                logger.warning("consumer: \(error)")
            }
        }
    }

    /// Carries out one of the coordinator's periodic decisions.
    private func perform(_ action: PipelineCoordinator.Action) {
        switch action {
        case .pause(let partitions):
            stats.backpressurePauses += 1
            try? consumer.pause(partitions)
            logger.debug("paused consumption: \(producer?.outstanding ?? 0) outputs in flight")
        case .resume(let partitions):
            try? consumer.resume(partitions)
        case .checkpoint(let synchronous):
            do { try checkpoint(synchronous: synchronous) } catch { fail(error) }
            updateLag()
        }
    }

    private func process(_ message: KafkaMessage) {
        let partition = PartitionID(topic: message.topic, partition: message.partition)
        let slot: Int
        switch coordinator.record(partition: partition, offset: message.offset) {
        case .skip, .duplicate:
            // A doomed transaction is aborted at the next checkpoint and these inputs re-read;
            // a duplicate's outputs are already on their way.
            return
        case .relearn(let relearnSlot):
            relearn(message, slot: relearnSlot)
            return
        case .process(let processSlot, let beginTransaction):
            slot = processSlot
            if beginTransaction { self.beginTransaction() }
        }
        if unmarkedKeyedStarts[partition] != nil {
            do { try writeKeyedStart(partition, offset: message.offset) } catch { fail(error) }
        }
        while inCounters.count <= slot { inCounters.append(metrics.recordsInCounter(topic: coordinator.partitions[inCounters.count].topic)) }
        let clock = ContinuousClock.now
        stats.recordsIn += 1
        inCounters[slot].increment()
        let record = message.rawRecord
        outputs.removeAll(keepingCapacity: true)
        do {
            try processor.process(record, into: &outputs)
        } catch {
            sendToDeadLetter(record, error, slot: slot)
            return
        }
        let token = PipelineCoordinator.token(slot: slot, offset: message.offset)
        for var output in outputs {
            if spec.delivery == .exactlyOnce { output.headers.append(RecordHeader(TransactionLog.header, transactionID)) }
            let variant = output.headers.variant
            for (index, (sink, counter)) in zip(sinks, outCounters).enumerated()
                where sinkVariants[index] == variant {
                do {
                    try write(output, to: sink, slot: slot, token: token)
                    stats.recordsOut += 1
                    counter.increment()
                } catch let failure where failure.isRecordProblem {
                    sendToDeadLetter(record, RecordError(.sink, failure.message), slot: slot)
                } catch {
                    if dooms(error.kafkaError) {
                        coordinator.doomTransaction()
                        return
                    }
                    fail(PipelineError.sink(error))
                    return
                }
            }
        }
        metrics.latency.recordNanoseconds((ContinuousClock.now - clock).totalNanoseconds)
    }

    /// Runs an already delivered record through the operators so keyed state relearns it;
    /// its outputs and any error are dropped, and no offset is tracked for it.
    private func relearn(_ message: KafkaMessage, slot: Int) {
        stats.recordsRelearned += 1
        outputs.removeAll(keepingCapacity: true)
        try? processor.process(message.rawRecord, into: &outputs)
        outputs.removeAll(keepingCapacity: true)
    }

    private func write(_ message: OutgoingMessage, to sink: any EventSink, slot: Int, token: UInt64) throws(SinkFailure) {
        if sink.isSynchronous {
            try sink.write(message, token: token)
            return
        }
        coordinator.outputSent(slot: slot)
        do {
            try sink.write(message, token: token)
        } catch {
            coordinator.outputNotSent(slot: slot, offset: PipelineCoordinator.offset(of: token))
            throw error
        }
    }

    /// Exactly-once: a produce error that only ends the open transaction (it must be
    /// aborted and its inputs re-read), as opposed to one that ends the producer.
    private func dooms(_ error: KafkaError?) -> Bool {
        guard spec.delivery == .exactlyOnce, let error, producer?.fatalError == nil else { return false }
        return error.requiresAbort || error.isWrongState
    }

    private func sendToDeadLetter(_ record: RawRecord, _ error: RecordError, slot: Int) {
        stats.deadLettered += 1
        metrics.deadLetter(topic: record.origin.topic)
        logger.debug("dead letter", metadata: ["origin": "\(record.origin)", "reason": "\(error)"])
        guard let deadLetter else {
            logger.warning("record rejected and no dead_letter sink is configured",
                           metadata: ["origin": "\(record.origin)", "reason": "\(error)"])
            return
        }
        var letter = DeadLetterRouter.letter(for: record, error: error, to: deadLetter)
        if spec.delivery == .exactlyOnce { letter.headers.append(RecordHeader(TransactionLog.header, transactionID)) }
        do {
            try write(letter, to: deadLetter, slot: slot, token: PipelineCoordinator.token(slot: slot, offset: record.origin.offset))
        } catch {
            if dooms(error.kafkaError) { coordinator.doomTransaction() } else { fail(PipelineError.sink(error)) }
        }
    }

    // MARK: Delivery reports and offsets

    /// Exactly-once: an output that failed inside a transaction (or was purged by its abort)
    /// only dooms that transaction; it is aborted and its inputs re-read, unless the
    /// producer itself is dead.
    private func delivered(_ report: DeliveryReport) {
        let outcome: PipelineCoordinator.DeliveryOutcome
        if let error = report.error {
            metrics.deliveryFailures.increment()
            outcome = error.isPurged ? .purged : .failed
        } else {
            outcome = .delivered
        }
        if coordinator.delivery(token: report.token, outcome: outcome, producerAlive: producer?.fatalError == nil) == .fatal,
           let error = report.error {
            fail(PipelineError.delivery(error))
        }
    }

    /// Consumer lag per assigned partition: the high watermark from the last fetch
    /// minus the next offset to process.
    private func updateLag() {
        for partition in coordinator.assigned {
            guard let marks = consumer.cachedWatermarks(partition) else { continue }
            let next = coordinator.nextOffset(partition) ?? marks.low
            metrics.setLag(partition, max(0, marks.high - next))
        }
    }

    // MARK: Checkpoints

    /// Makes progress durable. At-least-once: wait for outputs when state must be
    /// snapshotted, write snapshots, then store and commit offsets. Exactly-once: commit
    /// the open transaction with the offsets and snapshots inside it.
    func checkpoint(synchronous: Bool) throws {
        try processor.checkpoint()
        if spec.delivery == .exactlyOnce {
            try commitTransaction(forceKeyed: synchronous)
            return
        }
        if changelog != nil, let producer {
            try kafka("flushing outputs") { () throws(KafkaError) in try producer.flush(timeoutMs: 60_000) }
            if let failure { throw failure }
            try writeSnapshots(forceKeyed: synchronous)
            try kafka("flushing state snapshots") { () throws(KafkaError) in try producer.flush(timeoutMs: 60_000) }
            if let failure { throw failure }
        } else if synchronous, let producer {
            try kafka("flushing outputs") { () throws(KafkaError) in try producer.flush(timeoutMs: 60_000) }
            if let failure { throw failure }
        }
        for sink in sinks where sink.isSynchronous { try sink.flush() }
        if let deadLetter, deadLetter.isSynchronous { try deadLetter.flush() }
        let offsets = coordinator.offsetsToCommit()
        guard !offsets.isEmpty else { return }
        do {
            try consumer.storeOffsets(offsets)
            try consumer.commitStored(synchronous: synchronous)
            stats.commits += 1
            committedByUs.merge(offsets) { max($0, $1) }
        } catch {
            stats.commitFailures += 1
            metrics.commitFailures.increment()
            logger.warning("commit failed (will retry at the next checkpoint): \(error)")
            coordinator.commitFailed(offsets)
        }
    }

    private func writeSnapshots(forceKeyed: Bool = false) throws {
        guard let changelog, let producer else { return }
        try writeKeyedSnapshots(force: forceKeyed)
        for (index, op) in processor.operators.enumerated() {
            guard let stateful = op as? any PartitionedStateOperator else { continue }
            for partition in stateful.takeChangedPartitions().sorted() where coordinator.assigned.contains(partition) {
                guard let state = stateful.snapshot(partition: partition), let next = coordinator.committable(partition) else { continue }
                let message = changelog.message(operatorIndex: index, partition: partition, nextOffset: next, state: state)
                try send(message, producer: producer)
            }
        }
    }

    /// Keyed state: when the shortest snapshot interval has passed (or at a hand-off or
    /// shutdown), each changed key's state, then per partition a watermark at the position
    /// the snapshots are valid at. Keys go out before their watermark, so a watermark never
    /// promises state the changelog does not hold.
    private func writeKeyedSnapshots(force: Bool) throws {
        guard let changelog, let producer, coordinator.keyedSnapshotDue(now: .now, force: force) else { return }
        let positions = coordinator.keyedSnapshotPositions
        for (index, op) in processor.operators.enumerated() {
            guard let keyed = op as? any KeyedStateOperator else { continue }
            for (partition, position) in positions {
                for key in keyed.takeChangedKeys(partition: partition) {
                    guard let state = try keyed.snapshot(partition: partition, key: key) else { continue }
                    for message in changelog.keyedMessages(operatorIndex: index, partition: partition, key: key,
                                                           nextOffset: position, state: state) {
                        try send(message, producer: producer)
                    }
                }
                try send(changelog.watermarkMessage(operatorIndex: index, partition: partition, nextOffset: position), producer: producer)
            }
        }
    }

    /// Sends a message that belongs to no single input record (slot 0 token).
    private func send(_ message: OutgoingMessage, producer: KafkaProducer) throws {
        while true {
            do {
                try producer.send(message, token: 1)
                return
            } catch let error where error.isQueueFull {
                producer.poll(timeoutMs: 10)
            } catch {
                throw PipelineError.kafka(error, while: "writing state to \(message.topic)")
            }
        }
    }

    // MARK: Transactions

    private func beginTransaction() {
        guard let producer else { return }
        transactionSequence += 1
        transactionID = "\(producer.transactionalIDOrEmpty)/\(instanceEpoch)-\(transactionSequence)"
        do {
            try producer.beginTransaction()
        } catch {
            coordinator.transactionNotBegun()
            fail(PipelineError.kafka(error, while: "beginning transaction \(transactionID)"))
        }
    }

    private func commitTransaction(forceKeyed: Bool = false) throws {
        guard coordinator.transactionOpen, let producer else { return }
        if coordinator.transactionDoomed {
            try abortAndRewind(producer, reason: "an output of the transaction failed")
            return
        }
        try writeSnapshots(forceKeyed: forceKeyed)
        let offsets = coordinator.transactionOffsets
        do {
            try producer.sendOffsetsToTransaction(offsets, consumer: consumer, metadata: TransactionLog.offsetMetadata(transactionID),
                                                  timeoutMs: 60_000)
            try transactions?.recordPending(transactionID, offsets: offsets)
            try producer.commitTransaction(timeoutMs: 60_000)
            coordinator.transactionCommitted()
            stats.transactionsCommitted += 1
            committedByUs.merge(offsets) { max($0, $1) }
            try transactions?.recordCommitted(transactionID)
        } catch let error as KafkaError where error.requiresAbort {
            try abortAndRewind(producer, reason: "\(error)")
        } catch let error as KafkaError {
            throw PipelineError.kafka(error, while: "committing transaction \(transactionID)")
        }
    }

    private func abortAndRewind(_ producer: KafkaProducer, reason: String) throws {
        logger.warning("aborting transaction \(transactionID): \(reason)")
        try kafka("aborting transaction") { () throws(KafkaError) in try producer.abortTransaction(timeoutMs: 60_000) }
        coordinator.transactionAborted()
        stats.transactionsAborted += 1
        try transactions?.recordAborted(transactionID)
        try rewindToCommitted()
    }

    /// After an abort, re-read every assigned partition from its committed offset and
    /// reload operator state, so the aborted batch is processed again exactly once.
    private func rewindToCommitted() throws {
        let owned = coordinator.assigned.sorted()
        let committed = try kafkaValue("reading committed offsets") { () throws(KafkaError) in
            try consumer.committed(owned, timeoutMs: 30_000)
        }
        for partition in owned {
            let offset = committed[partition].flatMap { $0 >= 0 ? $0 : nil } ?? -2
            try kafka("seeking \(partition)") { () throws(KafkaError) in try consumer.seek(partition, to: offset) }
        }
        _ = try restoreState(for: owned, committed: committed)
    }

    // MARK: Rebalances

    public func partitionsAssigned(_ newPartitions: [PartitionID]) -> [PartitionID: Int64] {
        stats.rebalances += 1
        metrics.rebalances.increment()
        // Idle time counts from the end of the assignment: restoring state can take longer
        // than the idle timeout on a busy machine, before a record could arrive.
        defer { lastInput = ContinuousClock.now }
        coordinator.assign(newPartitions)
        // Lag series exist from the assignment on; the first fetch sets their values.
        for partition in newPartitions where consumer.cachedWatermarks(partition) == nil { metrics.setLag(partition, 0) }
        let found: [PartitionID: (offset: Int64, metadata: String)]
        do {
            found = try kafkaValue("reading committed offsets") { () throws(KafkaError) in
                try consumer.committedWithMetadata(newPartitions, timeoutMs: 30_000)
            }
        } catch {
            if changelog != nil { fail(error) } else { logger.warning("cannot read the committed offsets of \(newPartitions): \(error)") }
            return [:]
        }
        let committed = found.mapValues(\.offset)
        checkCommittedOffsets(committed)
        do {
            // Offsets committed by a transaction carry its id: it committed, whoever ran it
            // (the proof a crashed member's pending transaction needs; see TransactionLog).
            try transactions?.recordAttested(found.values.compactMap { TransactionLog.transactionID(inOffsetMetadata: $0.metadata) })
        } catch {
            fail(error)
            return [:]
        }
        guard changelog != nil else { return [:] }
        do {
            return try restoreState(for: newPartitions, committed: committed)
        } catch {
            fail(error)
            return [:]
        }
    }

    /// Committed offsets below what this instance committed earlier went backwards: a
    /// broker hid or lost a commit, and records will be processed (and output) again.
    private func checkCommittedOffsets(_ committed: [PartitionID: Int64]) {
        for (partition, offset) in committed {
            guard let ours = committedByUs[partition], offset < ours else { continue }
            metrics.committedOffsetsBackwards.increment()
            stats.committedOffsetsBackwards += 1
            let found = offset < 0 ? "no committed offset" : "\(offset)"
            logger.error("""
                committed offset of \(partition) went backwards: the group has \(found), this instance committed \(ours) \
                (a broker hid or lost a commit, or the group's offsets were reset); records before \(ours) will be processed again
                """)
        }
    }

    /// Loads the latest snapshots of `partitions` and returns the offsets to resume from:
    /// where a partition snapshot is ahead of the committed offset, its offset; where keyed
    /// state's watermark is behind it, the watermark, with the records up to the committed
    /// offset relearned without output.
    private func restoreState(for owned: [PartitionID], committed: [PartitionID: Int64]) throws -> [PartitionID: Int64] {
        guard let changelog else { return [:] }
        let restored = try changelog.restore(partitions: Set(owned), configuration: configuration,
                                              adminConfiguration: adminConfiguration, logger: logger)
        var resume: [PartitionID: Int64] = [:]
        for stateful in processor.statefulOperators {
            for partition in owned { stateful.drop(partition: partition) }
        }
        for keyed in processor.keyedOperators {
            for partition in owned { keyed.drop(partition: partition) }
        }
        for entry in restored.partitions {
            guard let stateful = processor.operators[safe: entry.operatorIndex] as? any PartitionedStateOperator else { continue }
            do {
                try stateful.restore(partition: entry.partition, from: entry.state)
            } catch {
                throw PipelineError.state("cannot restore \(stateful.name) for \(entry.partition): \(error)")
            }
            let committedOffset = committed[entry.partition] ?? -1
            if entry.nextOffset > committedOffset {
                resume[entry.partition] = max(resume[entry.partition] ?? 0, entry.nextOffset)
            }
        }
        var relearnFrom: [PartitionID: Int64] = [:]
        for entry in restored.keyed
        where restored.watermarks[StateChangelog.WatermarkKey(operatorIndex: entry.operatorIndex, partition: entry.partition)] == nil {
            // Without a watermark (a first snapshot round cut short), relearn from the key.
            relearnFrom[entry.partition] = min(relearnFrom[entry.partition] ?? .max, entry.nextOffset)
        }
        for (key, offset) in restored.watermarks {
            relearnFrom[key.partition] = min(relearnFrom[key.partition] ?? .max, offset)
        }
        // Spilled states that learned records the partition will read again (an aborted
        // transaction's, or ones after the last commit before a crash) go before the
        // changelog's states are written back.
        // With neither a committed offset nor a watermark the partition is read from its
        // start: no spilled state with a recorded offset holds anything already committed.
        for partition in owned {
            let start = [relearnFrom[partition], committed[partition].flatMap { $0 >= 0 ? $0 : nil }].compactMap { $0 }.min() ?? -1
            for keyed in processor.keyedOperators {
                do {
                    try keyed.discardStates(partition: partition, learnedBeyond: start)
                } catch {
                    throw PipelineError.state("cannot discard \(keyed.name) states of \(partition) ahead of offset \(start): \(error)")
                }
            }
        }
        for entry in restored.keyed {
            guard let keyed = processor.operators[safe: entry.operatorIndex] as? any KeyedStateOperator else { continue }
            do {
                try keyed.restore(partition: entry.partition, key: entry.key, nextOffset: entry.nextOffset, from: entry.state)
            } catch {
                throw PipelineError.state("cannot restore \(keyed.name) key '\(entry.key)' of \(entry.partition): \(error)")
            }
        }
        for (partition, from) in relearnFrom {
            guard let committedOffset = committed[partition], committedOffset >= 0, from < committedOffset, resume[partition] == nil else { continue }
            resume[partition] = from
            coordinator.relearn(partition, until: committedOffset)
            logger.info("relearning keyed state", metadata: ["partition": "\(partition)", "from": "\(from)", "until": "\(committedOffset)"])
        }
        markKeyedStart(owned, restored: restored)
        logger.info("restored operator state", metadata: ["snapshots": "\(restored.partitions.count)",
                                                         "keys": "\(restored.keyed.count)", "partitions": "\(owned)"])
        return resume
    }

    /// Keyed operators with no watermark yet on a partition they take over: the first
    /// record processed there writes one at its own offset (their state before it is
    /// empty), so a process that dies before its first snapshot round is relearned from
    /// there rather than forgotten.
    private func markKeyedStart(_ owned: [PartitionID], restored: StateChangelog.Restored) {
        for (index, op) in processor.operators.enumerated() where op is any KeyedStateOperator {
            for partition in owned where restored.watermarks[StateChangelog.WatermarkKey(operatorIndex: index, partition: partition)] == nil
                && !restored.keyed.contains(where: { $0.operatorIndex == index && $0.partition == partition }) {
                unmarkedKeyedStarts[partition, default: []].append(index)
            }
        }
    }

    private func writeKeyedStart(_ partition: PartitionID, offset: Int64) throws {
        guard let changelog, let producer, let operators = unmarkedKeyedStarts.removeValue(forKey: partition) else { return }
        for index in operators {
            try send(changelog.watermarkMessage(operatorIndex: index, partition: partition, nextOffset: offset), producer: producer)
        }
    }

    public func partitionsRevoked(_ revoked: [PartitionID]) {
        stats.rebalances += 1
        metrics.rebalances.increment()
        for action in coordinator.revoke(revoked, failed: failure != nil) { perform(action) }
        release(revoked)
    }

    public func partitionsLost(_ lost: [PartitionID]) {
        stats.rebalances += 1
        logger.warning("partitions lost without a clean hand-off; their uncommitted work will be redone elsewhere",
                       metadata: ["partitions": "\(lost)"])
        if coordinator.lose(lost), let producer {
            try? producer.abortTransaction(timeoutMs: 30_000)
        }
        release(lost)
    }

    private func release(_ partitions: [PartitionID]) {
        coordinator.release(partitions)
        for partition in partitions {
            for op in processor.statefulOperators { op.drop(partition: partition) }
            for op in processor.keyedOperators { op.drop(partition: partition) }
            unmarkedKeyedStarts[partition] = nil
        }
    }

    // MARK: Errors

    private func fail(_ error: Error) {
        guard failure == nil else { return }
        if let pipelineError = error as? PipelineError {
            failure = pipelineError
        } else if let kafkaError = error as? KafkaError {
            failure = .kafka(kafkaError, while: "processing")
        } else if let sinkFailure = error as? SinkFailure {
            failure = .sink(sinkFailure)
        } else {
            failure = .state("\(error)")
        }
    }

    private func kafka(_ activity: String, _ body: () throws(KafkaError) -> Void) throws(PipelineError) {
        do { try body() } catch { throw PipelineError.kafka(error, while: activity) }
    }

    private func kafkaValue<T>(_ activity: String, _ body: () throws(KafkaError) -> T) throws(PipelineError) -> T {
        do { return try body() } catch { throw PipelineError.kafka(error, while: activity) }
    }
}

/// Breaks the reference cycle between the consumer and the pipeline that owns it.
final class RebalanceForwarder: ConsumerRebalanceListener {
    weak var target: KafkaPipeline?

    func partitionsAssigned(_ partitions: [PartitionID]) -> [PartitionID: Int64] {
        target?.partitionsAssigned(partitions) ?? [:]
    }

    func partitionsRevoked(_ partitions: [PartitionID]) { target?.partitionsRevoked(partitions) }
    func partitionsLost(_ partitions: [PartitionID]) { target?.partitionsLost(partitions) }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

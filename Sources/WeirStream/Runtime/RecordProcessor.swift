import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirKafka

/// Everything a record goes through between source and sinks: the size limit, the
/// decoder, the schema and the operator chain. It either yields output messages or
/// a `RecordError` that sends the input to the dead-letter sink.
public final class RecordProcessor {
    let decoder: any RecordDecoder
    let extractor: FeatureExtractor?
    public let operators: [any StreamOperator]
    let maxRecordBytes: Int
    let timestampField: String?
    /// The event time of the last decoded record (from `timestamp_field` or the source).
    public private(set) var lastEventTimestamp: Int64?
    private var stage: [Event] = []
    private var next: [Event] = []
    private var results: [Event] = []

    /// `catalog` holds the algorithms the topology's `predict` operators serve.
    /// `catalog` overrides the one the topology was read with.
    public init(spec: TopologySpec, operators: [any StreamOperator]? = nil, catalog: AlgorithmCatalog? = nil) {
        decoder = RecordDecoders.make(spec.decode)
        extractor = spec.schema.map(FeatureExtractor.init)
        self.operators = operators ?? OperatorFactory.make(spec.operators, featureNames: spec.schema?.features ?? [], catalog: catalog ?? spec.catalog)
        maxRecordBytes = spec.maxRecordBytes
        timestampField = spec.decode.timestampField
    }

    /// Operators that keep per-partition state (and so need snapshots and hand-off).
    public var statefulOperators: [any PartitionedStateOperator] {
        operators.compactMap { $0 as? any PartitionedStateOperator }
    }

    public var keyedOperators: [any KeyedStateOperator] {
        operators.compactMap { $0 as? any KeyedStateOperator }
    }

    public func open() throws {
        for op in operators { try op.open() }
    }

    /// Each operator's checkpoint, before input offsets are committed.
    public func checkpoint() throws {
        for op in operators { try op.checkpoint() }
    }

    public func close() throws {
        for op in operators { try op.close() }
    }

    /// Runs one record through decode, schema and operators, appending its outputs.
    public func process(_ record: RawRecord, into outputs: inout [OutgoingMessage]) throws(RecordError) {
        results.removeAll(keepingCapacity: true)
        try transform(record, into: &results)
        while let result = results.popFirstMoving() {
            outputs.append(Self.message(for: result))
        }
    }

    /// Runs one record through decode, schema and operators, appending the events that
    /// come out of the chain (none when an operator drops it).
    public func transform(_ record: RawRecord, into results: inout [Event]) throws(RecordError) {
        let size = (record.value?.count ?? 0) + (record.key?.count ?? 0)
        if size > maxRecordBytes {
            throw RecordError(.oversize, "record of \(size) bytes exceeds max_record_bytes=\(maxRecordBytes)")
        }
        lastEventTimestamp = record.timestamp
        guard var event = try decoder.decode(record) else { return }
        if let timestampField {
            event.timestamp = try EventTime.milliseconds(of: event.fields[timestampField], field: timestampField)
            event.timeStyle = EventTime.style(of: event.fields[timestampField])
            lastEventTimestamp = event.timestamp
        } else if let time = event.timestamp, !EventTime.validMilliseconds.contains(time) {
            throw RecordError(.decode, "the record's timestamp \(time) is outside years 1 to 9999")
        }
        if let extractor { try extractor.apply(to: &event) }
        guard !operators.isEmpty else {
            results.append(consume event)
            return
        }
        stage.removeAll(keepingCapacity: true)
        stage.append(consume event)
        for (index, op) in operators.enumerated() {
            let last = index == operators.count - 1
            next.removeAll(keepingCapacity: true)
            // Events are moved out of `stage` in order, so each operator owns its input
            // and can rewrite it without copying (the stage almost always holds one).
            while let item = stage.popFirstMoving() {
                if last {
                    try op.process(item, into: &results)
                } else {
                    try op.process(item, into: &next)
                }
            }
            if last { return }
            swap(&stage, &next)
            if stage.isEmpty { return }
        }
    }

    /// The message a result event becomes: its fields as a JSON object, with its key,
    /// headers and timestamp.
    public static func message(for result: consuming Event) -> OutgoingMessage {
        let value = JSONWriter.bytes(of: .object(result.fields))
        return OutgoingMessage(topic: "", key: result.key, value: value, headers: result.headers, timestamp: result.timestamp)
    }
}

extension Array {
    /// Removes and returns the first element, moving it out without a copy. Cheap for the
    /// one- or two-element arrays an operator chain passes along.
    mutating func popFirstMoving() -> Element? {
        guard !isEmpty else { return nil }
        if count == 1 { return removeLast() }
        return removeFirst()
    }
}

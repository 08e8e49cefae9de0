import WeirCore
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

    public init(spec: TopologySpec, operators: [any StreamOperator]? = nil) {
        decoder = RecordDecoders.make(spec.decode)
        extractor = spec.schema.map(FeatureExtractor.init)
        self.operators = operators ?? OperatorFactory.make(spec.operators)
        maxRecordBytes = spec.maxRecordBytes
        timestampField = spec.decode.timestampField
    }

    /// Operators that keep per-partition state (and so need snapshots and hand-off).
    public var statefulOperators: [any PartitionedStateOperator] {
        operators.compactMap { $0 as? any PartitionedStateOperator }
    }

    public func open() throws {
        for op in operators { try op.open() }
    }

    public func close() throws {
        for op in operators { try op.close() }
    }

    /// Runs one record through decode, schema and operators, appending its outputs.
    public func process(_ record: RawRecord, into outputs: inout [OutgoingMessage]) throws(RecordError) {
        let size = (record.value?.count ?? 0) + (record.key?.count ?? 0)
        if size > maxRecordBytes {
            throw RecordError(.oversize, "record of \(size) bytes exceeds max_record_bytes=\(maxRecordBytes)")
        }
        lastEventTimestamp = record.timestamp
        guard var event = try decoder.decode(record) else { return }
        if let timestampField {
            event.timestamp = try EventTime.milliseconds(of: event.fields[timestampField], field: timestampField)
            lastEventTimestamp = event.timestamp
        }
        if let extractor { try extractor.apply(to: &event) }
        stage.removeAll(keepingCapacity: true)
        stage.append(event)
        for op in operators {
            next.removeAll(keepingCapacity: true)
            for item in stage {
                try op.process(item, into: &next)
            }
            swap(&stage, &next)
            if stage.isEmpty { return }
        }
        for result in stage {
            outputs.append(OutgoingMessage(topic: "", key: result.key, value: JSONWriter.bytes(of: .object(result.fields)),
                                           headers: result.headers, timestamp: result.timestamp))
        }
    }
}

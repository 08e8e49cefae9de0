#if canImport(Glibc)
import Glibc
#endif
import Logging
import WeirCore
import WeirKafka

/// Records a topic into a capture file: every partition from the beginning to its end
/// (or until `maxRecords`), with keys, values, headers, timestamps and offsets intact.
public enum TopicCapture {
    /// What a capture writes: a capture file (keys, values, headers, timestamps, offsets,
    /// for `weir replay` and `weir produce`), or each value on a line of its own (JSON
    /// lines, to read: what `weir run --capture-outputs` writes).
    public enum Output: Sendable {
        case captureFile
        case valueLines
    }

    @discardableResult
    public static func capture(topic: String, to path: String, configuration: KafkaConfiguration,
                               maxRecords: Int? = nil, timeoutMs: Int = 60_000, output: Output = .captureFile,
                               logger: Logger = Logger(label: "weir.capture")) throws -> Int {
        let admin = try KafkaAdmin(configuration: configuration)
        guard let partitions = try admin.partitionCounts(topic: topic)[topic], partitions > 0 else {
            throw SourceError(input: "topic \(topic)", offset: nil, message: "no such topic")
        }
        var config = configuration
        config.setDefault("group.id", "weir-capture")
        config["enable.partition.eof"] = "true"
        let consumer = try KafkaConsumer(configuration: config, logger: logger)
        defer { try? consumer.close() }
        try consumer.assign((0..<Int32(partitions)).map { (PartitionID(topic: topic, partition: $0), Int64(-2)) })
        let writer: any RecordFileWriter = output == .captureFile ? try CaptureWriter(path: path) : try ValueLinesWriter(path: path)
        var finished = Set<Int32>()
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while finished.count < partitions, maxRecords.map({ writer.count < $0 }) ?? true {
            guard ContinuousClock.now < deadline else {
                throw SourceError(input: "topic \(topic)", offset: nil,
                                  message: "did not reach the end of all partitions within \(timeoutMs) ms (captured \(writer.count))")
            }
            switch consumer.poll(timeoutMs: 200) {
            case .message(let message)?: try writer.append(message.rawRecord)
            case .partitionEOF(let partition, _)?: finished.insert(partition.partition)
            case .error(let error)?: logger.warning("capture: \(error)")
            case nil: continue
            }
        }
        try writer.close()
        return writer.count
    }
}

/// Where a capture writes records.
protocol RecordFileWriter: AnyObject {
    var count: Int { get }
    func append(_ record: RawRecord) throws(SourceError)
    func close() throws(SourceError)
}

extension CaptureWriter: RecordFileWriter {}

/// Writes each record's value and a line break: a topic of JSON records becomes a JSON-lines file.
final class ValueLinesWriter: RecordFileWriter {
    private let file: UnsafeMutablePointer<FILE>
    let path: String
    private(set) var count = 0

    init(path: String) throws(SourceError) {
        guard let file = fopen(path, "w") else {
            throw SourceError(input: path, offset: nil, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        self.file = file
        self.path = path
    }

    deinit { fclose(file) }

    func append(_ record: RawRecord) throws(SourceError) {
        let value = record.value ?? []
        let written = value.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == value.count, fputc(0x0A, file) != EOF else {
            throw SourceError(input: path, offset: nil, message: "cannot write: \(String(cString: strerror(errno)))")
        }
        count += 1
    }

    func close() throws(SourceError) {
        guard fflush(file) == 0 else { throw SourceError(input: path, offset: nil, message: "cannot write: \(String(cString: strerror(errno)))") }
    }
}

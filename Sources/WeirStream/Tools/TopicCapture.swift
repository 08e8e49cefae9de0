import Logging
import WeirCore
import WeirKafka

/// Records a topic into a capture file: every partition from the beginning to its end
/// (or until `maxRecords`), with keys, values, headers, timestamps and offsets intact.
public enum TopicCapture {
    @discardableResult
    public static func capture(topic: String, to path: String, configuration: KafkaConfiguration,
                               maxRecords: Int? = nil, timeoutMs: Int = 60_000,
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
        let writer = try CaptureWriter(path: path)
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

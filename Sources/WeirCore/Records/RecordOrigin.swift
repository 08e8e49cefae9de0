/// Where a record was read: a Kafka topic partition and offset, or, for file replay,
/// the file path as the topic and the line (or record index) as the offset.
public struct RecordOrigin: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

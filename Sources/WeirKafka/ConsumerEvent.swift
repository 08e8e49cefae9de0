import WeirCore

/// What one poll of the consumer returned.
public enum ConsumerEvent: Sendable {
    case message(KafkaMessage)
    /// The consumer reached the end of a partition (only with `enable.partition.eof=true`).
    case partitionEOF(PartitionID, offset: Int64)
    /// A consumer error that librdkafka reports per poll (most are informational and
    /// retried internally; `isFatal` ones end the consumer).
    case error(KafkaError)
}

/// Receives assignment changes from inside `KafkaConsumer.poll`, on the polling thread,
/// before librdkafka applies them. This is where a pipeline drains, commits and hands
/// off per-partition state.
public protocol ConsumerRebalanceListener: AnyObject {
    /// Partitions just assigned. Return start offsets for those that must not resume
    /// from the committed offset (for example when restored state is ahead of it).
    func partitionsAssigned(_ partitions: [PartitionID]) -> [PartitionID: Int64]
    /// Partitions about to be revoked: finish their in-flight work and commit now.
    func partitionsRevoked(_ partitions: [PartitionID])
    /// Partitions lost without a clean revoke (session timeout): do not commit them.
    func partitionsLost(_ partitions: [PartitionID])
}

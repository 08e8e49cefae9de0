import CRdKafka
import WeirCore

/// Conversions between `rd_kafka_topic_partition_list_t` and Swift values. Lists made
/// here are owned by the caller of `make`, who must destroy them.
enum TopicPartitionList {
    static func make(_ entries: [(PartitionID, Int64)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))!
        for (partition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            element.pointee.offset = offset
        }
        return list
    }

    static func make(_ partitions: [PartitionID]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
    }

    /// Every element with its offset and per-partition error code.
    static func entries(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>)
        -> [(partition: PartitionID, offset: Int64, error: rd_kafka_resp_err_t)] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map { index in
            let element = elements[index]
            return (PartitionID(topic: String(cString: element.topic), partition: element.partition),
                    element.offset, element.err)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

    /// A list whose every element also carries `metadata` (the offset commit's metadata
    /// string); librdkafka frees the copies with the list.
    static func make(_ entries: [(PartitionID, Int64)], metadata: String) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = make(entries)
        let bytes = Array(metadata.utf8)
        for index in 0..<Int(list.pointee.cnt) {
            guard let copy = malloc(max(bytes.count, 1)) else { continue }
            bytes.withUnsafeBytes { source in if let base = source.baseAddress { copy.copyMemory(from: base, byteCount: bytes.count) } }
            list.pointee.elems[index].metadata = copy
            list.pointee.elems[index].metadata_size = bytes.count
        }
        return list
    }

    /// The metadata string of each element (empty when it has none).
    static func metadata(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [PartitionID: String] {
        var result: [PartitionID: String] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let text = element.metadata.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: element.metadata_size), as: UTF8.self) } ?? ""
            result[PartitionID(topic: String(cString: element.topic), partition: element.partition)] = text
        }
        return result
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

import CRDKafka

/// Owns one `rd_kafka_topic_partition_list_t`.
final class RDKafkaTopicPartitionList {
    private let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int = 1) {
        list = rd_kafka_topic_partition_list_new(Int32(max(capacity, 1)))
    }

    /// A list of partitions, each with an offset (or a timestamp, for offset look-ups by time).
    convenience init(_ entries: [(KafkaTopicPartition, Int64)]) {
        self.init(capacity: entries.count)
        for (topicPartition, offset) in entries { add(topicPartition, offset: offset) }
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(list)
    }

    func add(_ topicPartition: KafkaTopicPartition, offset: Int64 = rdKafkaOffsetInvalid) {
        let element = rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)
        element?.pointee.offset = offset
    }

    func withListPointer<T>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T) rethrows -> T {
        try body(list)
    }

    /// The entries with their offsets and per-partition errors.
    var entries: [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        Self.entries(of: list)
    }

    static func entries(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        guard let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            return (KafkaTopicPartition(String(cString: element.topic), element.partition), element.offset, element.err)
        }
    }
}

/// librdkafka's RD_KAFKA_OFFSET_INVALID, which Swift does not import from the macro.
let rdKafkaOffsetInvalid: Int64 = -1001

/// A message read from Kafka. Its bytes are copied out of librdkafka's buffers.
public struct KafkaConsumerMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Epoch milliseconds, when the broker stored a timestamp.
    public var timestamp: Int64?
    public var headers: [KafkaHeader]

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic, partition) }
    /// The value decoded as UTF-8, when valid.
    public var valueString: String? { String(validating: value, as: UTF8.self) }
    /// The key decoded as UTF-8, when present and valid.
    public var keyString: String? { key.flatMap { String(validating: $0, as: UTF8.self) } }
}

/// What one poll returned: messages in partition order, partitions whose end was reached, and
/// non-fatal client errors (for example, brokers that cannot be reached; librdkafka keeps retrying).
public struct KafkaConsumerBatch: Sendable {
    public var messages: [KafkaConsumerMessage] = []
    /// Partitions whose end was reached during this poll, with the offset just past the last message.
    public var reachedEnd: [KafkaTopicPartition: Int64] = [:]
    public var errors: [KafkaError] = []

    public var isEmpty: Bool { messages.isEmpty && reachedEnd.isEmpty && errors.isEmpty }
}

/// A change of a group consumer's assignment, reported to the rebalance handler on the polling
/// thread before librdkafka applies it.
public enum KafkaRebalanceEvent: Sendable, Equatable {
    /// These partitions are now assigned to this consumer.
    case assigned([KafkaTopicPartition])
    /// These partitions are being taken away: finish and commit their work now.
    case revoked([KafkaTopicPartition])
}

/// Called on each rebalance. For `.assigned`, it may return where to start in some of the new
/// partitions (for example offsets stored atomically with the application's state); partitions
/// it leaves out start at the group's committed offset. For `.revoked` the return value is ignored.
public typealias KafkaRebalanceHandler =
    @Sendable (KafkaRebalanceEvent) -> [KafkaTopicPartition: KafkaOffset]

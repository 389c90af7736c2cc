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

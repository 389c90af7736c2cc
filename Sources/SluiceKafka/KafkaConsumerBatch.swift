/// What one poll returned: messages in partition order, partitions whose end was reached, and
/// non-fatal client errors (for example, brokers that cannot be reached; librdkafka keeps retrying).
public struct KafkaConsumerBatch: Sendable {
    public var messages: [KafkaConsumerMessage] = []
    /// Partitions whose end was reached during this poll, with the offset just past the last message.
    public var reachedEnd: [KafkaTopicPartition: Int64] = [:]
    public var errors: [KafkaError] = []

    public var isEmpty: Bool { messages.isEmpty && reachedEnd.isEmpty && errors.isEmpty }
}

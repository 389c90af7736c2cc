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

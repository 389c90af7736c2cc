/// A message to produce.
public struct KafkaProducerMessage: Sendable {
    public var topic: String
    /// The partition, or nil to let the partitioner choose from the key (murmur2-random by default
    /// in Java clients; librdkafka's default is consistent_random).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Event creation time in epoch milliseconds, or nil for "now".
    public var timestamp: Int64?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8],
        timestamp: Int64? = nil, headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }

    public init(
        topic: String, partition: Int32? = nil, key: String? = nil, value: String,
        timestamp: Int64? = nil, headers: [KafkaHeader] = []
    ) {
        self.init(
            topic: topic, partition: partition, key: key.map { Array($0.utf8) }, value: Array(value.utf8),
            timestamp: timestamp, headers: headers)
    }
}

/// Where a produced message landed.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The message timestamp in epoch milliseconds, when the broker reports one.
    public var timestamp: Int64?
}

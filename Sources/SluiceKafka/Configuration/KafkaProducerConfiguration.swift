/// Producer settings. Defaults favour durability (acks=all) and throughput (batching, lz4).
public struct KafkaProducerConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// Idempotent producer (`enable.idempotence`): no duplicates or reordering from retries.
    /// Default false (not every Kafka API compatible broker supports it).
    public var idempotent: Bool = false
    /// `acks`: -1 (all in-sync replicas), 0 or 1. Default -1.
    public var acks: Int = -1
    /// How long a message may wait for delivery, retries included, before its delivery report
    /// fails (`message.timeout.ms`). Default 30 s.
    public var messageTimeout: Duration = .seconds(30)
    /// Time to wait for more messages before sending a batch (`linger.ms`). Default 5 ms.
    public var linger: Duration = .milliseconds(5)
    /// Maximum messages in the local queue (`queue.buffering.max.messages`). Default 500 000.
    public var queueMaxMessages: Int = 500_000
    /// `compression.codec`: none, gzip, snappy, lz4 or zstd. Default lz4.
    public var compression: String = "lz4"
    /// Maximum messages per batch (`batch.num.messages`). Default 10 000.
    public var batchMaxMessages: Int = 10_000

    public init(client: KafkaClientConfiguration = KafkaClientConfiguration()) {
        self.client = client
    }

    var rdkafkaProperties: [(String, String)] {
        var result = client.rdkafkaProperties
        result += [
            ("enable.idempotence", idempotent ? "true" : "false"),
            ("acks", String(acks)),
            ("message.timeout.ms", String(messageTimeout.milliseconds)),
            ("linger.ms", String(linger.milliseconds)),
            ("queue.buffering.max.messages", String(queueMaxMessages)),
            ("compression.codec", compression),
            ("batch.num.messages", String(batchMaxMessages)),
        ]
        return result + client.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

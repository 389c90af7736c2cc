/// Settings every Kafka client shares: where the brokers are and how to reach them.
///
/// Any librdkafka property can be set through `properties` (SASL, SSL, tuning); they are applied
/// last and so override the typed settings. See librdkafka's CONFIGURATION.md for the keys.
public struct KafkaClientConfiguration: Sendable {
    /// Bootstrap brokers as `host:port`. Default: the local stack, `127.0.0.1:9092`.
    public var bootstrapServers: [String] = ["127.0.0.1:9092"]
    /// `client.id`, shown in broker logs. Default `sluice`.
    public var clientID: String = "sluice"
    /// Timeout of network requests (`socket.timeout.ms`). Default 10 s.
    public var socketTimeout: Duration = .seconds(10)
    /// Initial and maximum delay before reconnecting to a broker
    /// (`reconnect.backoff.ms`, `reconnect.backoff.max.ms`). Defaults 100 ms and 5 s.
    public var reconnectBackoff: Duration = .milliseconds(100)
    public var reconnectBackoffMax: Duration = .seconds(5)
    /// librdkafka debug contexts (`debug`), e.g. `["broker", "protocol"]`. Default none.
    public var debugContexts: [String] = []
    /// Any librdkafka property, applied last (escape hatch: `security.protocol`, `sasl.*`, `ssl.*`...).
    public var properties: [String: String] = [:]

    public init(bootstrapServers: [String] = ["127.0.0.1:9092"]) {
        self.bootstrapServers = bootstrapServers
    }

    /// Parses a comma-separated broker list such as `"host1:9092,host2:9092"`.
    public init(brokerList: String) {
        self.init(bootstrapServers: brokerList.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty })
    }

    var rdkafkaProperties: [(String, String)] {
        var result: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("client.id", clientID),
            ("socket.timeout.ms", String(socketTimeout.milliseconds)),
            ("reconnect.backoff.ms", String(reconnectBackoff.milliseconds)),
            ("reconnect.backoff.max.ms", String(reconnectBackoffMax.milliseconds)),
        ]
        if !debugContexts.isEmpty { result.append(("debug", debugContexts.joined(separator: ","))) }
        return result
    }
}

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

/// Consumer settings.
///
/// Against the local Tansu broker keep `sessionTimeout` and `maxPollInterval` short (around 6 s):
/// Tansu's group join waits for the rebalance timeout, so librdkafka's default of 300 s would make
/// a subscribe look hung. The defaults here are chosen for that.
public struct KafkaConsumerConfiguration: Sendable {
    public enum OffsetReset: String, Sendable {
        case earliest, latest, error
    }

    public var client: KafkaClientConfiguration
    /// Consumer group (`group.id`). Required for subscribe and commits.
    public var groupID: String
    /// Where to start when the group has no committed offset (`auto.offset.reset`). Default earliest.
    public var autoOffsetReset: OffsetReset = .earliest
    /// Whether to report reaching the end of a partition (`enable.partition.eof`). Default true.
    public var reportPartitionEnd: Bool = true
    /// `session.timeout.ms`. Default 6 s.
    public var sessionTimeout: Duration = .seconds(6)
    /// `max.poll.interval.ms`. Default 6 s (see the type's note on Tansu).
    public var maxPollInterval: Duration = .seconds(6)
    /// `heartbeat.interval.ms`. Default 1 s.
    public var heartbeatInterval: Duration = .seconds(1)
    /// `partition.assignment.strategy`. Default `range,roundrobin` (eager rebalancing).
    public var assignmentStrategy: String = "range,roundrobin"
    /// `isolation.level`: read_committed or read_uncommitted. Default read_committed.
    public var isolationLevel: String = "read_committed"
    /// `fetch.wait.max.ms`: how long the broker may wait to fill a fetch. Default 100 ms.
    public var fetchWaitMax: Duration = .milliseconds(100)
    /// `queued.min.messages`: prefetch target per partition. Default 100 000.
    public var queuedMinMessages: Int = 100_000

    public init(groupID: String, client: KafkaClientConfiguration = KafkaClientConfiguration()) {
        self.groupID = groupID
        self.client = client
    }

    var rdkafkaProperties: [(String, String)] {
        var result = client.rdkafkaProperties
        result += [
            ("group.id", groupID),
            // Offsets are committed explicitly by the caller, after its effects are durable.
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", autoOffsetReset.rawValue),
            ("enable.partition.eof", reportPartitionEnd ? "true" : "false"),
            ("session.timeout.ms", String(sessionTimeout.milliseconds)),
            ("max.poll.interval.ms", String(maxPollInterval.milliseconds)),
            ("heartbeat.interval.ms", String(heartbeatInterval.milliseconds)),
            ("partition.assignment.strategy", assignmentStrategy),
            ("isolation.level", isolationLevel),
            ("fetch.wait.max.ms", String(fetchWaitMax.milliseconds)),
            ("queued.min.messages", String(queuedMinMessages)),
        ]
        return result + client.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

// MARK: - Helpers

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var millisecondsInt32: Int32 { Int32(clamping: milliseconds) }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

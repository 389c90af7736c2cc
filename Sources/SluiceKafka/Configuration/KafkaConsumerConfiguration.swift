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

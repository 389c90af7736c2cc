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

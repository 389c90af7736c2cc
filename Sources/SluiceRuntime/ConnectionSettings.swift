import SluiceKafka
import SluiceRedis

/// Where the Kafka brokers and Redis are, resolved from (in order) command-line flags,
/// the environment (`SLUICE_BROKERS`, `SLUICE_REDIS_URL`) and the local stack's defaults.
public struct ConnectionSettings: Sendable, Equatable {
    public static let brokersVariable = "SLUICE_BROKERS"
    public static let redisURLVariable = "SLUICE_REDIS_URL"
    public static let defaultBrokers = "127.0.0.1:9092"
    public static let defaultRedisURL = "redis://127.0.0.1:6379/0"

    /// Comma-separated `host:port` list.
    public var brokers: String
    /// `redis://[user:password@]host:port/db`.
    public var redisURL: String
    /// librdkafka properties for every Kafka client, applied last (they override Sluice's own
    /// settings): the escape hatch for anything Sluice does not expose.
    public var kafkaProperties: [String: String] = [:]

    public init(
        brokers: String = defaultBrokers, redisURL: String = defaultRedisURL, kafkaProperties: [String: String] = [:]
    ) {
        self.brokers = brokers
        self.redisURL = redisURL
        self.kafkaProperties = kafkaProperties
    }

    public static func resolve(brokers: String?, redisURL: String?, environment: [String: String]) -> ConnectionSettings
    {
        ConnectionSettings(
            brokers: nonEmpty(brokers) ?? nonEmpty(environment[brokersVariable]) ?? defaultBrokers,
            redisURL: nonEmpty(redisURL) ?? nonEmpty(environment[redisURLVariable]) ?? defaultRedisURL)
    }

    public var kafkaClient: KafkaClientConfiguration {
        var client = KafkaClientConfiguration(brokerList: brokers)
        client.properties = kafkaProperties
        return client
    }

    public func redisConfiguration() throws(RedisError) -> RedisConfiguration {
        try RedisConfiguration(url: redisURL)
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}

import SluiceRedis
import SluiceTesting

extension TestServices {
    /// The local Redis, giving up after two connection attempts so that a missing server fails a
    /// test quickly.
    public static func redisConfiguration() throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: redisURL)
        configuration.reconnect.maxAttempts = 2
        return configuration
    }

    /// The stack's Redis Cluster (`scripts/stack cluster up`), with the same quick give-up.
    public static func redisClusterConfiguration() throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: redisClusterURL)
        configuration.reconnect.maxAttempts = 2
        return configuration
    }
}

import Logging
import NIOCore
import NIOPosix

/// Makes the client a configuration calls for: one server's or a cluster's.
public enum RedisClients {
    /// A blocking client, connected (a cluster's slot map read).
    public static func connect(_ configuration: RedisConfiguration, logger: Logger = Logger(label: "sluice.redis"))
        throws(RedisError) -> any RedisCommandClient
    {
        if configuration.clusterSeeds != nil {
            return try RedisClusterConnection(configuration: configuration, logger: logger)
        }
        return try RedisConnection(configuration: configuration, logger: logger)
    }

    /// A client on NIO event loops, for the serving path; connects on first use.
    public static func eventLoop(
        _ configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "sluice.redis.loop")
    ) -> any RedisEventLoopClient {
        if configuration.clusterSeeds != nil {
            return RedisClusterEventLoopPool(configuration: configuration, group: group, logger: logger)
        }
        return RedisEventLoopPool(configuration: configuration, group: group, logger: logger)
    }
}

import Logging
import NIOCore
import NIOPosix

/// Redis connections that live on NIO event loops, one per loop: the client of the serving path.
///
/// A request handled on an event loop sends its pipeline on that loop's connection and is answered
/// on the same thread, so a lookup costs no thread hand-off. Pipelines written during one pass of
/// the loop go out in one write (auto-pipelining): concurrent requests share system calls, and
/// Redis reads them in one go.
///
/// A connection is made on first use and again after it broke, one attempt per pipeline
/// (`configuration.reconnect` is not used). A pipeline that finds Redis down fails with
/// `connectionFailed` at once rather than waiting, and one that gets no answer within
/// `commandTimeout` fails with `timedOut`, and its connection is closed (the replies still owed
/// on it would arrive out of place).
public final class RedisEventLoopPool: RedisEventLoopClient {
    public let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let connections: [RedisLoopConnection]

    public init(
        configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "sluice.redis.loop")
    ) {
        self.configuration = configuration
        self.group = group
        self.connections = group.makeIterator().map {
            RedisLoopConnection(eventLoop: $0, configuration: configuration, logger: logger)
        }
    }

    /// Sends the pipeline on the connection of `eventLoop` (any of the group's when nil or not one
    /// of them) and returns its replies in order, error replies in place. The future completes on
    /// `eventLoop` when given.
    public func execute(_ pipeline: RedisPipeline, on eventLoop: (any EventLoop)? = nil) -> EventLoopFuture<
        [RedisValue]
    > {
        precondition(pipeline.isComplete, "the pipeline's last command is missing arguments")
        let loop = eventLoop ?? group.any()
        if let own = connection(on: loop) { return own.send(pipeline) }
        return (connection(on: group.next()) ?? connections[0]).send(pipeline).hop(to: loop)
    }

    /// One of the group's event loops: the caller's own when it runs on one.
    public func anyEventLoop() -> any EventLoop { group.any() }

    /// Closes the connections; pipelines still waiting fail with `connectionLost`.
    public func shutdown() {
        for connection in connections { connection.close() }
    }

    private func connection(on loop: any EventLoop) -> RedisLoopConnection? {
        connections.first { $0.eventLoop === loop }
    }
}

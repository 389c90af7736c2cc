import NIOCore

/// A Redis client on NIO event loops, for the serving path: one server (`RedisEventLoopPool`) or
/// a Redis Cluster (`RedisClusterEventLoopPool`). `RedisClients.eventLoop` makes the one a
/// configuration names.
public protocol RedisEventLoopClient: Sendable {
    var configuration: RedisConfiguration { get }

    /// Sends the pipeline on a connection of `eventLoop` (any of the group's when nil) and returns
    /// its replies in order, error replies in place. The future completes on `eventLoop` when given.
    func execute(_ pipeline: RedisPipeline, on eventLoop: (any EventLoop)?) -> EventLoopFuture<[RedisValue]>

    /// One of the group's event loops: the caller's own when it runs on one.
    func anyEventLoop() -> any EventLoop

    /// Closes the connections; pipelines still waiting fail with `connectionLost`.
    func shutdown()
}

extension RedisEventLoopClient {
    /// `execute` for async callers.
    public func execute(_ pipeline: RedisPipeline) async throws(RedisError) -> [RedisValue] {
        do {
            return try await execute(pipeline, on: nil).get()
        } catch {
            throw error as? RedisError ?? RedisError(.connectionLost, "\(error)")
        }
    }
}

import SluiceCore
import SluiceRedis

/// Reads partitions' stored progress.
///
/// `@unchecked Sendable`: it holds a blocking Redis client, which is not thread-safe; the
/// engine uses it from its own thread only (the consumer's rebalance callback runs inside poll,
/// on that thread).
public final class StoredProgressReader: @unchecked Sendable {
    private let redis: any RedisCommandClient
    private let keys: OnlineStoreLayout

    public init(redis: any RedisCommandClient, keys: OnlineStoreLayout) {
        self.redis = redis
        self.keys = keys
    }

    /// `read`, or nil without a live connection: reconnecting (with its retries) inside the
    /// rebalance callback would hold the consumer's group membership up.
    public func readIfConnected(partitions: [Int32]) throws -> [Int32: StoredProgress]? {
        redis.isConnected ? try read(partitions: partitions) : nil
    }

    /// The partitions' progress, in one HMGET; every partition gets an entry.
    public func read(partitions: [Int32]) throws -> [Int32: StoredProgress] {
        guard !partitions.isEmpty else { return [:] }
        var pipeline = RedisPipeline()
        pipeline.beginCommand(argumentCount: 2 + partitions.count)
        pipeline.add("HMGET")
        pipeline.add(keys.offsetsKey)
        for partition in partitions { pipeline.add(keys.offsetsField(partition: partition)) }
        let reply = try redis.execute(pipeline)[0]
        guard let values = reply.array, values.count == partitions.count else {
            throw OnlineStoreError(.unexpectedReply, "unexpected reply reading stored offsets: \(reply)")
        }
        var result: [Int32: StoredProgress] = [:]
        for (partition, value) in zip(partitions, values) { result[partition] = try StoredProgress(value.string) }
        return result
    }
}

/// A blocking Redis client: one server (`RedisConnection`) or a Redis Cluster
/// (`RedisClusterConnection`). `RedisClients.connect` makes the one a configuration names.
///
/// Not thread-safe: one client per thread.
public protocol RedisCommandClient: AnyObject {
    var configuration: RedisConfiguration { get }

    /// Writes the commands of `parts` in order and returns their replies in order, error replies
    /// in place. On one server the commands take effect in order; on a cluster only the commands
    /// of one key are ordered among themselves.
    func execute(parts: some Collection<RedisPipeline>) throws(RedisError) -> [RedisValue]

    /// `execute(parts:)`, then `last` only once every command of `parts` has taken effect and, on
    /// a cluster, has reached a replica of its node (when the node has one): a crash or failover
    /// can never keep `last` and lose one of `parts`. Returns the replies of `parts` and `last`.
    func execute(parts: [RedisPipeline], thenDurably last: RedisPipeline) throws(RedisError) -> [RedisValue]

    /// MULTI/EXEC over `parts`. A cluster refuses it unless every key is in one slot.
    func transaction(parts: some Collection<RedisPipeline>) throws(RedisError) -> [RedisValue]

    /// Whether `transaction` can span keys of any slot (one server) or not (a cluster).
    var supportsTransactionsAcrossKeys: Bool { get }

    /// Drops the connections; the next command reconnects.
    func disconnect()

    /// Whether the next command can go out without connecting first (on a cluster: the slot map
    /// is current).
    var isConnected: Bool { get }
}

extension RedisCommandClient {
    /// Writes all commands of `pipeline` and returns their replies, error replies in place.
    public func execute(_ pipeline: RedisPipeline) throws(RedisError) -> [RedisValue] {
        try execute(parts: CollectionOfOne(pipeline))
    }

    /// Sends one command and returns its reply; an error reply throws `serverError`.
    @discardableResult
    public func command(_ arguments: [RedisArgument]) throws(RedisError) -> RedisValue {
        var pipeline = RedisPipeline(reservingCapacity: 64)
        pipeline.append(arguments)
        let reply = try execute(pipeline)[0]
        if case .error(let message) = reply {
            let name = if case .string(let name)? = arguments.first { name.uppercased() } else { "command" }
            throw RedisError(.serverError, "\(name) failed: \(message)", serverMessage: message)
        }
        return reply
    }
}

extension RedisConnection {
    public func execute(parts: [RedisPipeline], thenDurably last: RedisPipeline) throws(RedisError) -> [RedisValue] {
        try execute(parts: parts + [last])
    }

    public var supportsTransactionsAcrossKeys: Bool { true }
}

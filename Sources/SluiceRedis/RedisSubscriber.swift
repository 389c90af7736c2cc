/// A connection in subscriber mode: after its SUBSCRIBE or PSUBSCRIBE commands it only receives
/// messages Redis pushes (pub/sub, keyspace notifications).
///
/// Threading: one thread reads with `next()`, which blocks without a time limit (hiredis cannot
/// resume a read that timed out). To stop a reader, publish to a channel it subscribed to.
public final class RedisSubscriber {
    /// One pushed message.
    public struct Message: Sendable, Equatable {
        /// The pattern that matched, for PSUBSCRIBE deliveries.
        public var pattern: String?
        public var channel: String
        public var payload: [UInt8]

        public init(pattern: String?, channel: String, payload: [UInt8]) {
            self.pattern = pattern
            self.channel = channel
            self.payload = payload
        }
    }

    private let context: HiredisContext

    /// Connects (authenticating like `RedisConnection`) and sends `commands`, each a SUBSCRIBE or
    /// PSUBSCRIBE with its arguments; their confirmations are skipped by `next()`. Redis may not
    /// have registered them yet when this returns (`PUBSUB NUMSUB` tells).
    public init(configuration: RedisConfiguration, commands: [[RedisArgument]]) throws(RedisError) {
        context = try RedisConnection(configuration: configuration).detachContext()
        context.setTimeout(nil)
        var pipeline = RedisPipeline(reservingCapacity: 256)
        for command in commands { pipeline.append(command) }
        try context.append(encoded: pipeline.encoded)
        try context.flush()
    }

    /// Blocks until the next published message arrives.
    public func next() throws(RedisError) -> Message {
        while true {
            let reply = try context.readReply()
            guard case .array(let parts) = reply, let kind = parts.first?.string else {
                throw RedisError(.protocolError, "a subscriber received \(reply), not a pushed message")
            }
            switch (kind, parts.count) {
            case ("message", 3):
                return Message(pattern: nil, channel: parts[1].string ?? "", payload: parts[2].bytes ?? [])
            case ("pmessage", 4):
                return Message(pattern: parts[1].string, channel: parts[2].string ?? "", payload: parts[3].bytes ?? [])
            case ("subscribe", _), ("psubscribe", _):
                continue
            default:
                throw RedisError(.protocolError, "a subscriber received an unexpected '\(kind)' push")
            }
        }
    }
}

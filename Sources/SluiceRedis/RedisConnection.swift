import CHiredis
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking connection to Redis over hiredis.
///
/// Pipelines are the normal way to write: `execute` sends N commands in one write and reads N
/// replies. A broken connection is re-established before the next command (AUTH, SELECT and the
/// client name are replayed) with the configuration's bounded backoff; the command that saw the
/// break throws `connectionLost`, because whether it took effect is unknown. Use `retrying` for
/// idempotent work.
///
/// Threading: not thread-safe and blocking. Use one connection per thread (or per pool slot), and
/// never call it on the cooperative thread pool in latency-sensitive code.
public final class RedisConnection: RedisCommandClient {
    public let configuration: RedisConfiguration
    private var context: HiredisContext?
    private let logger: Logger
    /// How many times the connection was re-established after a break.
    public private(set) var reconnectCount = 0

    /// Connects (with the reconnect policy's attempts) and authenticates.
    public init(
        configuration: RedisConfiguration, logger: Logger = Logger(label: "sluice.redis")
    ) throws(RedisError) {
        if configuration.clusterSeeds != nil {
            throw RedisError(
                .invalidURL,
                "\(configuration.displayURL) is a Redis Cluster; this command speaks to one Redis server (redis://)")
        }
        self.configuration = configuration
        self.logger = logger
        try connect()
    }

    public var isConnected: Bool { context != nil }

    // MARK: - Commands

    /// Sends one command and returns its reply; an error reply throws `serverError`.
    @discardableResult
    public func send(_ arguments: [RedisArgument]) throws(RedisError) -> RedisValue {
        try command(arguments)
    }

    @discardableResult
    public func send(_ arguments: RedisArgument...) throws(RedisError) -> RedisValue {
        try send(arguments)
    }

    /// Writes all commands of `pipeline` at once and returns their replies in order. Error replies
    /// are returned in place (`.error`), not thrown, so the other replies remain usable.
    public func execute(_ pipeline: RedisPipeline) throws(RedisError) -> [RedisValue] {
        try execute(parts: CollectionOfOne(pipeline))
    }

    /// Writes the commands of `parts` in order as one pipeline, each part straight from its own
    /// buffer (no copy into one), and returns their replies in order, as `execute(_:)`.
    public func execute(parts: some Collection<RedisPipeline>) throws(RedisError) -> [RedisValue] {
        precondition(parts.allSatisfy(\.isComplete), "a pipeline's last command is missing arguments")
        let count = parts.reduce(0) { $0 + $1.count }
        guard count > 0 else { return [] }
        let context = try connectedContext()
        do throws(RedisError) {
            for part in parts where !part.isEmpty {
                var failure: RedisError?
                part.encoded.withUnsafeBytes { bytes in
                    do throws(RedisError) { try context.write(bytes) } catch { failure = error }
                }
                if let failure { throw failure }
            }
            var replies: [RedisValue] = []
            replies.reserveCapacity(count)
            for _ in 0..<count { replies.append(try context.readReply()) }
            return replies
        } catch {
            // The stream position is unknown after any failure: never reuse this socket.
            drop(after: error)
            throw error
        }
    }

    /// Runs the pipeline's commands atomically inside MULTI/EXEC in one round trip and returns
    /// their results. Throws `transactionAborted` when Redis discards the transaction (a command
    /// was rejected while queueing, or a WATCHed key changed). Commands that fail at run time do
    /// not roll the others back (Redis semantics); their results are `.error` values.
    public func transaction(_ pipeline: RedisPipeline) throws(RedisError) -> [RedisValue] {
        try transaction(parts: CollectionOfOne(pipeline))
    }

    /// `transaction(_:)` over the commands of `parts` in order, each written from its own buffer.
    public func transaction(parts: some Collection<RedisPipeline>) throws(RedisError) -> [RedisValue] {
        let replies = try execute(parts: [Self.multi] + Array(parts) + [Self.exec])
        let queueErrors = replies.dropFirst().dropLast().compactMap(\.errorMessage)
        switch replies.last {
        case .array(let results)?:
            return results
        case .null?:
            throw RedisError(.transactionAborted, "transaction discarded: a WATCHed key changed")
        case .error(let message)?:
            let reason = queueErrors.first ?? message
            throw RedisError(.transactionAborted, "transaction discarded: \(reason)", serverMessage: reason)
        default:
            throw RedisError(.protocolError, "EXEC returned an unexpected reply: \(String(describing: replies.last))")
        }
    }

    private static let multi = {
        var pipeline = RedisPipeline()
        pipeline.append("MULTI")
        return pipeline
    }()
    private static let exec = {
        var pipeline = RedisPipeline()
        pipeline.append("EXEC")
        return pipeline
    }()

    // MARK: - Scripts

    /// Runs `script` with EVALSHA, loading it first if the server does not know it.
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [RedisArgument] = [], arguments: [RedisArgument] = [])
        throws(RedisError) -> RedisValue
    {
        let command: [RedisArgument] = ["EVALSHA", .string(script.sha1), .int(Int64(keys.count))] + keys + arguments
        do {
            return try send(command)
        } catch  where error.serverMessage?.hasPrefix("NOSCRIPT") == true {
            try load(script)
            return try send(command)
        }
    }

    /// Loads `script` into the server's script cache.
    public func load(_ script: RedisScript) throws(RedisError) {
        let sha = try send("SCRIPT", "LOAD", .string(script.source)).string
        guard sha == script.sha1 else {
            throw RedisError(.protocolError, "SCRIPT LOAD returned \(sha ?? "nothing"), expected \(script.sha1)")
        }
    }

    // MARK: - Retrying

    /// Runs `body`, and after a retriable failure (connection lost or refused, timeout) runs it
    /// again on a fresh connection, up to the reconnect policy's attempts. Only for idempotent work.
    public func retrying<T>(_ body: (RedisConnection) throws(RedisError) -> T) throws(RedisError) -> T {
        var attempt = 1
        while true {
            do {
                return try body(self)
            } catch  where error.isRetriable && attempt < configuration.reconnect.maxAttempts {
                attempt += 1
                logger.warning(
                    "retrying Redis operation", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                sleep(for: configuration.reconnect.delay(beforeAttempt: attempt))
            }
        }
    }

    // MARK: - Connection management

    /// Closes the current connection; the next command reconnects.
    public func disconnect() {
        context = nil
    }

    /// Hands the socket over (to a subscriber); this connection reconnects if used again.
    func detachContext() throws(RedisError) -> HiredisContext {
        let context = try connectedContext()
        self.context = nil
        return context
    }

    private func connectedContext() throws(RedisError) -> HiredisContext {
        if let context { return context }
        try connect()
        reconnectCount += 1
        return context!
    }

    private func drop(after error: RedisError) {
        if context != nil {
            logger.warning("Redis connection dropped", metadata: ["error": "\(error)"])
        }
        context = nil
    }

    private func connect() throws(RedisError) {
        let policy = configuration.reconnect
        var lastError: RedisError?
        for attempt in 1...max(policy.maxAttempts, 1) {
            sleep(for: policy.delay(beforeAttempt: attempt))
            do {
                context = try establish()
                if attempt > 1 { logger.info("Redis connection re-established", metadata: ["attempt": "\(attempt)"]) }
                return
            } catch  where error.code == .authenticationFailed {
                throw error  // retrying will not fix credentials
            } catch {
                lastError = error
                logger.warning(
                    "Redis connection attempt failed",
                    metadata: ["attempt": "\(attempt)", "of": "\(policy.maxAttempts)", "error": "\(error)"])
            }
        }
        throw RedisError(
            .connectionFailed,
            "no Redis answered at \(configuration.displayURL) after \(policy.maxAttempts) attempts "
                + "(\(lastError?.message ?? "unknown error")); is it running? (scripts/stack up starts a local one; "
                + "set --redis or SLUICE_REDIS_URL for another)")
    }

    private func establish() throws(RedisError) -> HiredisContext {
        let context = try HiredisContext.connect(
            host: configuration.host, port: configuration.port, timeout: configuration.connectTimeout)
        context.setTimeout(configuration.commandTimeout)
        var handshake = RedisPipeline(reservingCapacity: 256)
        var steps: [String] = []
        if let password = configuration.password {
            if let username = configuration.username {
                handshake.append("AUTH", .string(username), .string(password))
            } else {
                handshake.append("AUTH", .string(password))
            }
            steps.append("AUTH")
        }
        if configuration.database != 0 {
            handshake.append("SELECT", .int(Int64(configuration.database)))
            steps.append("SELECT \(configuration.database)")
        }
        if let name = configuration.clientName {
            handshake.append("CLIENT", "SETNAME", .string(name))
            steps.append("CLIENT SETNAME")
        }
        guard !handshake.isEmpty else { return context }
        try context.append(encoded: handshake.encoded)
        for step in steps {
            if case .error(let message) = try context.readReply() {
                if message.hasPrefix("NOAUTH") {
                    throw RedisError(
                        .authenticationFailed,
                        "Redis at \(configuration.displayURL) requires a password (\(message)); "
                            + "give it in the URL: redis://[user]:password@host:port/db",
                        serverMessage: message)
                }
                throw RedisError(
                    .authenticationFailed, "Redis at \(configuration.displayURL) refused \(step): \(message)",
                    serverMessage: message)
            }
        }
        return context
    }
}

func sleep(for duration: Duration) {
    guard duration > .zero else { return }
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

extension RedisConnection {
    /// The hiredis version this build links, e.g. "0.14.1".
    public static var hiredisVersion: String { "\(HIREDIS_MAJOR).\(HIREDIS_MINOR).\(HIREDIS_PATCH)" }
}

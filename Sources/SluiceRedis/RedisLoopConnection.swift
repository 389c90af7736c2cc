import Logging
import NIOCore
import NIOPosix

/// The connection of one event loop to one Redis server (a pool's, or one node of a cluster's).
///
/// `@unchecked Sendable`: its mutable state is only touched on `eventLoop` (every entry point hops
/// there first).
final class RedisLoopConnection: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let logger: Logger
    private var state = State.idle
    /// A connection was made before: the next one is logged as re-established.
    private var hasConnected = false
    /// Failed attempts since the last warning: while Redis is down every request tries once,
    /// and one warning per `failureLogInterval` says how many failed.
    private var failuresSinceWarning = 0
    private var lastFailureWarning: NIODeadline?
    private static let failureLogInterval = TimeAmount.seconds(10)

    private enum State {
        case idle
        /// Connecting and authenticating; these pipelines go out once connected.
        case connecting([(RedisPipeline, EventLoopPromise<[RedisValue]>)])
        case connected(RedisReplyHandler)
    }

    init(eventLoop: any EventLoop, configuration: RedisConfiguration, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
    }

    func send(_ pipeline: RedisPipeline) -> EventLoopFuture<[RedisValue]> {
        guard eventLoop.inEventLoop else { return eventLoop.flatSubmit { self.send(pipeline) } }
        let promise = eventLoop.makePromise(of: [RedisValue].self)
        guard !pipeline.isEmpty else {
            promise.succeed([])
            return promise.futureResult
        }
        switch state {
        case .connected(let handler):
            handler.send(pipeline, promise: promise)
        case .connecting(var waiting):
            waiting.append((pipeline, promise))
            state = .connecting(waiting)
        case .idle:
            state = .connecting([(pipeline, promise)])
            connect()
        }
        return promise.futureResult
    }

    func close() {
        eventLoop.execute {
            let current = self.state
            self.state = .idle  // first: the close is ours, not a loss to report
            if case .connected(let handler) = current { handler.close() }
        }
    }

    private func connect() {
        let handler = RedisReplyHandler(timeout: configuration.commandTimeout.map(Self.timeAmount))
        handler.onClose = { [weak self, weak handler] in
            guard let self, case .connected(let current) = self.state, current === handler else { return }
            self.state = .idle
            self.logger.warning(
                "Redis connection lost; the next request reconnects",
                metadata: ["redis": "\(self.configuration.displayURL)"])
        }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.timeAmount(configuration.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        // An address given as digits skips name resolution, which runs on a thread pool and
        // waits for an IPv6 answer too before it gives up on a refused connection.
        let connected =
            if let address = try? SocketAddress(ipAddress: configuration.host, port: configuration.port) {
                bootstrap.connect(to: address)
            } else {
                bootstrap.connect(host: configuration.host, port: configuration.port)
            }
        connected
            .flatMap { _ in self.handshake(on: handler) }
            .whenComplete { result in
                guard case .connecting(let waiting) = self.state else { return }
                switch result {
                case .success:
                    self.state = .connected(handler)
                    self.lastFailureWarning = nil
                    self.failuresSinceWarning = 0
                    if self.hasConnected {
                        self.logger.info(
                            "Redis connection re-established", metadata: ["redis": "\(self.configuration.displayURL)"])
                    }
                    self.hasConnected = true
                    for (pipeline, promise) in waiting { handler.send(pipeline, promise: promise) }
                case .failure(let failure):
                    handler.close()
                    self.state = .idle
                    let error = self.connectionError(failure)
                    self.failuresSinceWarning += 1
                    let now = NIODeadline.now()
                    if self.lastFailureWarning.map({ now - $0 >= Self.failureLogInterval }) ?? true {
                        self.logger.warning(
                            "Redis connection failed",
                            metadata: ["error": "\(error.message)", "attempts": "\(self.failuresSinceWarning)"])
                        self.lastFailureWarning = now
                        self.failuresSinceWarning = 0
                    }
                    for (_, promise) in waiting { promise.fail(error) }
                }
            }
    }

    /// AUTH, SELECT and the client name, as the blocking connection sends them.
    private func handshake(on handler: RedisReplyHandler) -> EventLoopFuture<Void> {
        var pipeline = RedisPipeline(reservingCapacity: 256)
        if let password = configuration.password {
            if let username = configuration.username {
                pipeline.append("AUTH", .string(username), .string(password))
            } else {
                pipeline.append("AUTH", .string(password))
            }
        }
        if configuration.database != 0 { pipeline.append("SELECT", .int(Int64(configuration.database))) }
        if let name = configuration.clientName { pipeline.append("CLIENT", "SETNAME", .string(name)) }
        guard !pipeline.isEmpty else { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: [RedisValue].self)
        handler.send(pipeline, promise: promise)
        let displayURL = configuration.displayURL
        return promise.futureResult.flatMapThrowing { replies in
            if let message = replies.lazy.compactMap(\.errorMessage).first {
                let hint =
                    message.hasPrefix("NOAUTH")
                    ? "; give the password in the URL: redis://[user]:password@host:port/db" : ""
                throw RedisError(
                    .authenticationFailed, "Redis at \(displayURL) refused the connection's setup: \(message)\(hint)",
                    serverMessage: message)
            }
        }
    }

    private func connectionError(_ failure: any Error) -> RedisError {
        if let error = failure as? RedisError, error.code == .authenticationFailed { return error }
        var failure = failure
        if let attempts = failure as? NIOConnectionError, let first = attempts.connectionErrors.first {
            failure = first.error
        }
        return RedisError(
            .connectionFailed,
            "no Redis answered at \(configuration.displayURL) (\(failure)); is it running? "
                + "(scripts/stack up starts a local one; set --redis or SLUICE_REDIS_URL for another)")
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

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
public final class RedisEventLoopPool: Sendable {
    public let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let connections: [LoopConnection]

    public init(
        configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "sluice.redis.loop")
    ) {
        self.configuration = configuration
        self.group = group
        self.connections = group.makeIterator().map {
            LoopConnection(eventLoop: $0, configuration: configuration, logger: logger)
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

    /// `execute` for async callers.
    public func execute(_ pipeline: RedisPipeline) async throws(RedisError) -> [RedisValue] {
        do {
            return try await execute(pipeline, on: nil).get()
        } catch {
            throw error as? RedisError ?? RedisError(.connectionLost, "\(error)")
        }
    }

    /// One of the group's event loops: the caller's own when it runs on one.
    public func anyEventLoop() -> any EventLoop { group.any() }

    /// Closes the connections; pipelines still waiting fail with `connectionLost`.
    public func shutdown() {
        for connection in connections { connection.close() }
    }

    private func connection(on loop: any EventLoop) -> LoopConnection? {
        connections.first { $0.eventLoop === loop }
    }
}

/// The connection of one event loop.
///
/// `@unchecked Sendable`: its mutable state is only touched on `eventLoop` (every entry point hops
/// there first).
private final class LoopConnection: @unchecked Sendable {
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

/// Writes pipelines on its channel and hands each its replies, in the order they were sent.
///
/// Lives on its channel's event loop; `send` and `close` must be called there.
private final class RedisReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = RedisValue
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        let expected: Int
        var replies: [RedisValue]
        let promise: EventLoopPromise<[RedisValue]>
        let deadline: NIODeadline
    }

    private let timeout: TimeAmount?
    private var context: ChannelHandlerContext?
    private var waiting = CircularBuffer<Waiting>()
    private var flushScheduled = false
    private var timer: Scheduled<Void>?
    /// Called once the channel is closed.
    var onClose: (() -> Void)?

    init(timeout: TimeAmount?) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func send(_ pipeline: RedisPipeline, promise: EventLoopPromise<[RedisValue]>) {
        guard let context, context.channel.isActive else {
            promise.fail(RedisError(.connectionLost, "the Redis connection is closed"))
            return
        }
        let deadline = timeout.map { NIODeadline.now() + $0 } ?? .distantFuture
        waiting.append(Waiting(expected: pipeline.count, replies: [], promise: promise, deadline: deadline))
        var buffer = context.channel.allocator.buffer(capacity: pipeline.encoded.count)
        buffer.writeBytes(pipeline.encoded)
        context.write(wrapOutboundOut(buffer), promise: nil)
        // One flush after everything this pass of the loop wrote: a single write system call.
        if !flushScheduled {
            flushScheduled = true
            context.eventLoop.execute {
                self.flushScheduled = false
                self.context?.flush()
            }
        }
        armTimer()
    }

    func close() {
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard !waiting.isEmpty else {
            failAll(RedisError(.protocolError, "Redis sent a reply nobody asked for"), context: context)
            return
        }
        waiting[waiting.startIndex].replies.append(reply)
        if waiting[waiting.startIndex].replies.count == waiting[waiting.startIndex].expected {
            let done = waiting.removeFirst()
            done.promise.succeed(done.replies)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError(.connectionLost, "Redis closed the connection"), context: context)
        timer?.cancel()
        timer = nil
        self.context = nil
        onClose?()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(
            error as? RedisError ?? RedisError(.connectionLost, "the Redis connection failed: \(error)"),
            context: context)
    }

    /// Fails everything still waiting and closes the channel: after a lost, late or unreadable
    /// reply, the stream's position is unknown.
    private func failAll(_ error: RedisError, context: ChannelHandlerContext) {
        let failed = waiting
        waiting.removeAll()
        for entry in failed { entry.promise.fail(error) }
        context.close(promise: nil)
    }

    /// One timer, for the oldest pipeline still waiting.
    private func armTimer() {
        guard timer == nil, let first = waiting.first, first.deadline != .distantFuture, let context else { return }
        timer = context.eventLoop.scheduleTask(deadline: first.deadline) { [self] in
            timer = nil
            guard let context = self.context, let oldest = waiting.first else { return }
            if oldest.deadline <= .now() {
                let limit = timeout.map { "\($0.nanoseconds / 1_000_000) ms" } ?? "its time limit"
                failAll(RedisError(.timedOut, "Redis did not answer within \(limit)"), context: context)
            } else {
                armTimer()
            }
        }
    }
}

import NIOCore

/// Writes pipelines on its channel and hands each its replies, in the order they were sent.
///
/// Lives on its channel's event loop; `send` and `close` must be called there.
final class RedisReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = RedisValue
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        let expected: Int
        let promise: EventLoopPromise<[RedisValue]>
        let deadline: NIODeadline
    }

    private let timeout: TimeAmount?
    private var context: ChannelHandlerContext?
    private var waiting = CircularBuffer<Waiting>()
    /// The replies so far of the oldest pipeline waiting. Kept here, not in its queue entry: the
    /// queue's elements are only got and set, so appending there copied the array every reply.
    private var replies: [RedisValue] = []
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
        waiting.append(Waiting(expected: pipeline.count, promise: promise, deadline: deadline))
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
        if replies.isEmpty { replies.reserveCapacity(waiting[waiting.startIndex].expected) }
        replies.append(reply)
        if replies.count == waiting[waiting.startIndex].expected {
            let done = waiting.removeFirst()
            let answered = replies
            replies = []
            done.promise.succeed(answered)
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
        replies = []
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

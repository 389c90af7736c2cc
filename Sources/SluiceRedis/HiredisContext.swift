import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns one blocking `redisContext`. Not thread-safe: one owner uses it at a time.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>

    /// hiredis 0.14 writes with write(2): a server that went away would raise SIGPIPE and kill the
    /// process. Ignoring it (once, before the first connection) turns that into an EPIPE error,
    /// which surfaces as `connectionLost`.
    private static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Connects to `host:port`; on failure frees the context and throws `connectionFailed`.
    static func connect(host: String, port: Int, timeout: Duration) throws(RedisError) -> HiredisContext {
        _ = ignoreBrokenPipes
        guard let context = redisConnectWithTimeout(host, Int32(port), timeval(timeout)) else {
            throw RedisError(.connectionFailed, "could not allocate a hiredis context for \(host):\(port)")
        }
        if context.pointee.err != 0 {
            let reason = errorText(of: context)
            redisFree(context)
            throw RedisError(.connectionFailed, "could not connect to Redis at \(host):\(port): \(reason)")
        }
        return HiredisContext(context)
    }

    private init(_ context: UnsafeMutablePointer<redisContext>) {
        self.context = context
    }

    deinit {
        redisFree(context)
    }

    /// Limits each blocking read and write; nil removes the limit.
    func setTimeout(_ timeout: Duration?) {
        _ = redisSetTimeout(context, timeout.map(timeval) ?? CHiredis.timeval(tv_sec: 0, tv_usec: 0))
        _ = redisEnableKeepAlive(context)
    }

    /// Queues already RESP-encoded commands in the output buffer; the next read writes them.
    func append(encoded bytes: [UInt8]) throws(RedisError) {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(context, $0.baseAddress, $0.count) }
        }
        if status != REDIS_OK { throw currentError(during: "queueing commands") }
    }

    /// Writes `bytes` (complete RESP commands) straight to the socket, after anything queued.
    /// For large pipelines: `append(encoded:)` would first copy them into hiredis's output
    /// buffer, which grows by reallocation, copying a batch of tens of megabytes again into
    /// fresh pages.
    func write(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        try flush()
        var written = 0
        while written < bytes.count {
            let result = send(
                context.pointee.fd, bytes.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL))
            if result >= 0 {
                written += result
                continue
            }
            let code = errno
            if code == EINTR { continue }
            let address = "\(String(cString: context.pointee.tcp.host)):\(context.pointee.tcp.port)"
            if code == EAGAIN || code == EWOULDBLOCK {
                throw RedisError(.timedOut, "Redis at \(address) did not take commands in time")
            }
            throw RedisError(
                .connectionLost,
                "connection to Redis at \(address) broke while writing commands: \(String(cString: strerror(code)))")
        }
    }

    /// Writes whatever is queued, without reading.
    func flush() throws(RedisError) {
        var done: Int32 = 0
        while done == 0 {
            if redisBufferWrite(context, &done) != REDIS_OK { throw currentError(during: "writing commands") }
        }
    }

    /// Writes whatever is queued, then reads one reply.
    func readReply() throws(RedisError) -> RedisValue {
        var raw: UnsafeMutableRawPointer? = nil
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw currentError(during: "reading a reply")
        }
        defer { freeReplyObject(raw) }
        return Self.value(of: raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulkString(Array(UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(reply.integer))
        case REDIS_REPLY_ARRAY:
            guard let elements = reply.element else { return .array([]) }
            return .array((0..<reply.elements).map { index in elements[index].map(value(of:)) ?? .null })
        default:
            return .null
        }
    }

    private func currentError(during action: String) -> RedisError {
        let savedErrno = errno
        let reason = Self.errorText(of: context)
        let address = "\(String(cString: context.pointee.tcp.host)):\(context.pointee.tcp.port)"
        switch context.pointee.err {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || savedErrno == ETIMEDOUT:
            return RedisError(.timedOut, "Redis at \(address) did not answer in time while \(action)")
        case REDIS_ERR_PROTOCOL:
            return RedisError(.protocolError, "Redis at \(address) sent an invalid reply while \(action): \(reason)")
        default:
            return RedisError(.connectionLost, "connection to Redis at \(address) broke while \(action): \(reason)")
        }
    }

    private static func errorText(of context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: &context.pointee.errstr) { buffer in
            String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

private func timeval(_ duration: Duration) -> CHiredis.timeval {
    let (seconds, attoseconds) = duration.components
    return CHiredis.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
}

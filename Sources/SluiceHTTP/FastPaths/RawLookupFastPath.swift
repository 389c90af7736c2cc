import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Answers single lookups (GET /v1/features/{view}/{entityId}) and scores (POST /v1/score) from
/// the connection's bytes, before HTTP decoding: on a connection that only asks for these (a
/// payment service's), a request then costs no HTTP parser, no conversions between HTTP types and
/// no response encoder.
///
/// It reads only the plainest form of the request: `GET <target> HTTP/1.1` or
/// `POST /v1/score HTTP/1.1`, CRLF line ends, header names that are tokens, and none of the
/// headers that change how a message is framed or a connection is handled (Transfer-Encoding,
/// Connection, Upgrade, Expect, TE; Content-Length too, except one of plain digits on a score, at
/// most 16 KiB). At the first request that is anything else (another route, another form, a
/// refused token, arguments the router words an error for, more than 8 KiB of head) the
/// connection turns over for good to the HTTP pipeline behind it, starting with that request's
/// bytes, in order; there `FeatureLookupFastPath` still answers lookups and scores on the event
/// loop. Only complete requests are ever taken here (a score once its whole body has arrived), so
/// both sides agree where every request ends. Answers are the router's to the byte, errors included (same backend, same encoding).
final class RawLookupFastPath: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let lookups: LookupResponder
    private var machine = RawLookupStateMachine<Any>()
    /// Bytes received and not taken yet.
    private var pending: ByteBuffer?

    /// The longest request head read here; longer ones go to the HTTP pipeline.
    static let maxHead = 8192
    /// Pipelined bytes kept waiting before reads pause (backpressure).
    static let maxPending = 64 * 1024

    init(_ lookups: LookupResponder) {
        self.lookups = lookups
    }

    private var pendingBytes: Int { pending?.readableBytes ?? 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard machine.keepsBytes else {
            context.fireChannelRead(data)
            return
        }
        var bytes = unwrapInboundIn(data)
        if pending == nil {
            pending = bytes
        } else {
            pending!.writeBuffer(&bytes)
        }
        if machine.mode == .taking { takeRequests(context: context) }
    }

    /// Takes complete lookups from `pending` until one is being answered, the bytes run out, or
    /// a request that is not a plain lookup hands the connection over. Once nothing is left to
    /// answer, held events (end of input, shutdown) hand it over too.
    private func takeRequests(context: ChannelHandlerContext) {
        requests: while machine.mode == .taking, let buffer = pending, buffer.readableBytes > 0 {
            let parsed = buffer.withUnsafeReadableBytes { RawRequestHead.parse($0, maxHead: Self.maxHead) }
            var arguments: (view: String, entity: String, query: [String: String])?
            let head: RawLookupStateMachine<Any>.Head
            switch parsed {
            case .incomplete:
                head = .incomplete
            case .other:
                head = .other
            case .lookup(let target, let authorization, _):
                if lookups.admits(authorization: authorization) {
                    arguments = LookupResponder.arguments(path: target)
                }
                head = .lookup(answerable: arguments != nil)
            case .score(let authorization, _, let bodyLength):
                head = .lookup(
                    answerable: lookups.scoring != nil && lookups.admits(authorization: authorization)
                        && bodyLength <= lookups.maxBodyBytes)
            }
            switch machine.next(head) {
            case .wait:
                break requests
            case .handOver:
                handOver(context: context)
            case .answer:
                switch parsed {
                case .lookup(_, _, let length):
                    guard let (view, entity, query) = arguments else { break }
                    pending!.moveReaderIndex(forwardBy: length)
                    answer(view: view, entity: entity, query: query, context: context)
                case .score(_, let headLength, let bodyLength):
                    pending!.moveReaderIndex(forwardBy: headLength)
                    let body = pending!.readBytes(length: bodyLength) ?? []
                    score(body: body, context: context)
                case .incomplete, .other:
                    break
                }
            }
        }
        if pending?.readableBytes == 0 { pending = nil }
        if machine.handsOverWhenIdle { handOver(context: context) }
        resumeReadingIfDrained(context: context)
    }

    private func answer(view: String, entity: String, query: [String: String], context: ChannelHandlerContext) {
        lookups.answer(view: view, entity: entity, query: query, started: .now, on: context.eventLoop) { status, body in
            self.respond(status: status, body: body, context: context)
        }
    }

    private func score(body: [UInt8], context: ChannelHandlerContext) {
        lookups.score(body: body, started: .now, on: context.eventLoop) { status, answer in
            self.respond(status: status, body: answer, context: context)
        }
    }

    private func respond(status: HTTPResponse.Status, body: [UInt8], context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: body.count + 160)
        Self.writeHead(status: status, contentLength: body.count, serverName: lookups.serverName, into: &out)
        out.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        machine.answered()
        takeRequests(context: context)
    }

    /// The response head as the HTTP pipeline writes it for the same answer.
    static func writeHead(
        status: HTTPResponse.Status, contentLength: Int, serverName: String?, into out: inout ByteBuffer
    ) {
        out.writeString(
            "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: application/json\r\nContent-Length: ")
        out.writeString(String(contentLength))
        out.writeString("\r\nDate: ")
        out.writeString(HTTPDate.now)
        if let serverName {
            out.writeString("\r\nServer: ")
            out.writeString(serverName)
        }
        out.writeString("\r\n\r\n")
    }

    /// Passes the bytes not taken, then the events held, and every later one, to the HTTP
    /// pipeline.
    private func handOver(context: ChannelHandlerContext) {
        let events = machine.handOver()
        if let rest = pending, rest.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(rest))
            // The pipeline's consumer hands reads on at read-complete.
            context.fireChannelReadComplete()
        }
        pending = nil
        for event in events { context.fireUserInboundEventTriggered(event) }
        resumeReadingIfDrained(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Nothing more is taken for a closed connection; its pipeline sees the close.
        machine.closed()
        pending = nil
        context.fireChannelInactive()
    }

    // MARK: - Backpressure and events

    func read(context: ChannelHandlerContext) {
        if machine.readRequested(pending: pendingBytes, limit: Self.maxPending) { context.read() }
    }

    private func resumeReadingIfDrained(context: ChannelHandlerContext) {
        if machine.resumesReading(pending: pendingBytes, limit: Self.maxPending) { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch machine.received(event: event, waitsForAnswers: LookupResponder.waitsForAnswers(event)) {
        case .passOn:
            context.fireUserInboundEventTriggered(event)
        case .held(let takeRequests):
            if takeRequests { self.takeRequests(context: context) }
        }
    }
}

/// The head of a request as `RawLookupFastPath` reads it.
enum RawRequestHead: Equatable {
    /// No complete head yet.
    case incomplete
    /// Not a plain lookup: for the HTTP pipeline.
    case other
    /// A plain `GET /v1/features/...` of `length` bytes, with its Authorization header if any.
    case lookup(target: String, authorization: String?, length: Int)
    /// A plain `POST /v1/score` whose head (`headLength` bytes) and whole body (its
    /// Content-Length, at most `maxScoreBody`) have arrived.
    case score(authorization: String?, headLength: Int, bodyLength: Int)

    /// The largest score body read here: it must fit the bytes kept before reads pause.
    static let maxScoreBody = 16 * 1024

    /// Headers that change how a message is framed or the connection is handled: the HTTP
    /// pipeline deals with those.
    private static let framingHeaders: [[UInt8]] = [
        "content-length", "transfer-encoding", "connection", "upgrade", "expect", "te",
    ].map {
        Array($0.utf8)
    }
    private static let authorizationHeader = Array("authorization".utf8)
    private static let contentLengthHeader = Array("content-length".utf8)
    private static let lookupPrefix = Array("GET /v1/features/".utf8)
    private static let scorePrefix = Array("POST /v1/score HTTP/1.1\r\n".utf8)
    private static let requestLineEnd = Array(" HTTP/1.1\r\n".utf8)

    static func parse(_ bytes: UnsafeRawBufferPointer, maxHead: Int) -> RawRequestHead {
        let isScore = bytes.count > 0 && bytes[0] == UInt8(ascii: "P")
        let prefix = isScore ? scorePrefix : lookupPrefix
        for index in 0..<min(bytes.count, prefix.count) where bytes[index] != prefix[index] { return .other }
        guard bytes.count > prefix.count else { return .incomplete }
        // Request line: "GET <target> HTTP/1.1", the target visible ASCII, or exactly
        // "POST /v1/score HTTP/1.1". Checked as soon as it is complete, so that another form
        // (HTTP/1.0, a bare LF) is handed over at once rather than waited on for a head end that
        // never comes in this form.
        var position = isScore ? prefix.count - requestLineEnd.count : 4
        while !isScore, position < bytes.count, bytes[position] > 0x20, bytes[position] < 0x7F { position += 1 }
        let targetEnd = position
        for byte in requestLineEnd {
            guard position < bytes.count else { return bytes.count >= maxHead ? .other : .incomplete }
            guard bytes[position] == byte else { return .other }
            position += 1
        }
        let end: Int
        switch headEnd(bytes, from: position - 2, limit: maxHead) {
        case .found(let length): end = length
        case .notYet: return bytes.count >= maxHead ? .other : .incomplete
        case .bareLineFeed: return .other
        }
        // Header lines up to the empty one that ends the head at `end`.
        var authorization: String?
        var contentLength: Int?
        while position < end - 2 {
            let nameStart = position
            while position < end, isTokenCharacter(bytes[position]) { position += 1 }
            guard position > nameStart, position < end, bytes[position] == UInt8(ascii: ":") else { return .other }
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<position])
            position += 1
            while position < end, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
            let valueStart = position
            while position < end, bytes[position] == 0x09 || (bytes[position] >= 0x20 && bytes[position] != 0x7F) {
                position += 1
            }
            var valueEnd = position
            while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            guard position + 1 < end, bytes[position] == 0x0D, bytes[position + 1] == 0x0A else { return .other }
            position += 2
            if isScore, equalsLowercased(name, contentLengthHeader) {
                // One Content-Length of plain digits; anything else is the HTTP pipeline's.
                guard contentLength == nil, valueEnd > valueStart, valueEnd - valueStart <= 9 else { return .other }
                var length = 0
                for index in valueStart..<valueEnd {
                    guard bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return .other }
                    length = length * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                }
                contentLength = length
                continue
            }
            if framingHeaders.contains(where: { equalsLowercased(name, $0) }) { return .other }
            if equalsLowercased(name, authorizationHeader) {
                guard authorization == nil else { return .other }
                authorization = String(
                    decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
            }
        }
        guard isScore else {
            let target = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[4..<targetEnd]), as: UTF8.self)
            return .lookup(target: target, authorization: authorization, length: end)
        }
        guard let contentLength, contentLength <= maxScoreBody else { return .other }
        guard bytes.count >= end + contentLength else { return .incomplete }
        return .score(authorization: authorization, headLength: end, bodyLength: contentLength)
    }

    private enum HeadEnd {
        /// The head's length, up to and including its empty line.
        case found(Int)
        case notYet
        /// A line feed without its carriage return: not the form read here.
        case bareLineFeed
    }

    /// Where the head ends (its first CRLF CRLF within `limit` bytes), searched from the CRLF at
    /// `start` that ends the request line.
    private static func headEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, limit: Int) -> HeadEnd {
        let searched = min(bytes.count, limit)
        var index = start + 1
        while index < searched {
            if bytes[index] == 0x0A {
                guard bytes[index - 1] == 0x0D else { return .bareLineFeed }
                if index >= 3, bytes[index - 2] == 0x0A, bytes[index - 3] == 0x0D { return .found(index + 1) }
            }
            index += 1
        }
        return .notYet
    }

    /// RFC 9110 token characters.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"),
            UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func equalsLowercased(_ name: UnsafeRawBufferPointer, _ lowercase: [UInt8]) -> Bool {
        guard name.count == lowercase.count else { return false }
        for index in 0..<name.count {
            let byte = name[index]
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard lower == lowercase[index] else { return false }
        }
        return true
    }
}

/// Hummingbird's HTTP/1.1 child channel with `RawLookupFastPath` in front of its HTTP decoder.
struct LookupHTTP1Channel: ServerChildChannel {
    let http1: HTTP1Channel
    let lookups: LookupResponder

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(RawLookupFastPath(lookups), position: .first)
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

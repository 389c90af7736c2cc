import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers GET /v1/features/{view}/{entityId}, the route scoring services call per payment, and
/// POST /v1/score on the connection's event loop; every other request passes on to the router.
///
/// The router runs each request as Swift concurrency work, which costs thread hops and task
/// switches that dwarf a lookup's own cost. Here a lookup is parsed, sent to Redis on the same
/// loop's connection, computed and written back without leaving the event loop. Its answers are
/// the router's to the byte, errors included: both call the same backend and error encoding.
///
/// HTTP/1.1 answers in request order. A lookup is taken only when no request passed to the router
/// is still unanswered; parts that arrive while a lookup is being answered wait for it. After the
/// server starts shutting down, everything goes to the router, which closes connections when idle.
final class FeatureLookupFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let lookups: LookupResponder

    /// A request taken here: a feature lookup, or a score whose body is read into `ScoreBody`.
    struct Lookup {
        enum Target {
            case features(view: String, entity: String, query: [String: String])
            case score(ScoreBody)
        }

        let target: Target
        let started: ContinuousClock.Instant
    }

    /// A score request's body as it arrives (the head's Content-Length bounds it).
    final class ScoreBody {
        var bytes: [UInt8] = []

        init(length: Int) { bytes.reserveCapacity(length) }
    }

    private var machine: FeatureLookupStateMachine<HTTPRequestPart, Lookup, Any>
    /// Parts were passed to the router since its last read-complete event.
    private var readsPassedOn = false

    init(_ lookups: LookupResponder) {
        self.lookups = lookups
        machine = FeatureLookupStateMachine(
            kind: { part in
                switch part {
                case .head: .head
                case .body: .body
                case .end: .end
                }
            },
            lookup: { part in
                guard case .head(let request) = part else { return nil }
                return Self.lookup(request, lookups: lookups)
            })
    }

    // MARK: - Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let action = machine.received(unwrapInboundIn(data)) { perform(action, context: context) }
    }

    private func perform(
        _ action: FeatureLookupStateMachine<HTTPRequestPart, Lookup, Any>.Action, context: ChannelHandlerContext
    ) {
        switch action {
        case .passOn(let part):
            readsPassedOn = true
            context.fireChannelRead(wrapInboundOut(part))
        case .absorb(let lookup, let part):
            if case .score(let body) = lookup.target, case .body(let buffer) = part {
                body.bytes.append(contentsOf: buffer.readableBytesView)
            }
        case .answer(let lookup):
            answer(lookup, context: context)
        case .fire(let events):
            for event in events { context.fireUserInboundEventTriggered(event) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readsPassedOn = false
        context.fireChannelReadComplete()
    }

    /// The lookup or score a request asks for, or nil for one the router should see: any other
    /// route or method, a Connection header (the router closes connections that ask for it), a
    /// refused token (the router answers 401), malformed lookup arguments (the router words the
    /// error), a score without a Content-Length within the body limit, or with Expect or
    /// Transfer-Encoding.
    private static func lookup(_ request: HTTPRequest, lookups: LookupResponder) -> Lookup? {
        guard let path = request.path, request.headerFields[.connection] == nil,
            lookups.admits(authorization: request.headerFields[.authorization])
        else { return nil }
        if request.method == .get, path.hasPrefix("/v1/features/"),
            let (view, entity, query) = LookupResponder.arguments(path: path)
        {
            return Lookup(target: .features(view: view, entity: entity, query: query), started: .now)
        }
        if request.method == .post, path == "/v1/score", lookups.scoring != nil,
            request.headerFields[.expect] == nil, request.headerFields[.transferEncoding] == nil,
            let length = request.headerFields[.contentLength].flatMap({ Int($0) }),
            length <= lookups.maxBodyBytes
        {
            return Lookup(target: .score(ScoreBody(length: length)), started: .now)
        }
        return nil
    }

    private func answer(_ lookup: Lookup, context: ChannelHandlerContext) {
        let respond = { (status: HTTPResponse.Status, body: [UInt8]) in
            self.respond(status: status, body: body, context: context)
            for action in self.machine.answered() { self.perform(action, context: context) }
            // The router's channel hands reads on at read-complete, and these came after it.
            if self.readsPassedOn { self.channelReadComplete(context: context) }
            if let events = self.machine.eventsDue() { self.perform(events, context: context) }
        }
        switch lookup.target {
        case .features(let view, let entity, let query):
            lookups.answer(
                view: view, entity: entity, query: query, started: lookup.started, on: context.eventLoop,
                respond: respond)
        case .score(let body):
            lookups.score(body: body.bytes, started: lookup.started, on: context.eventLoop, respond: respond)
        }
    }

    private func respond(status: HTTPResponse.Status, body: [UInt8], context: ChannelHandlerContext) {
        var fields = HTTPFields()
        fields.reserveCapacity(4)
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.count)
        fields[.date] = HTTPDate.now
        if let serverName = lookups.serverName { fields[.server] = serverName }
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    // MARK: - Responses and events

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { machine.routedResponseEnded() }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard LookupResponder.waitsForAnswers(event) else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if let action = machine.received(event: event, quiesces: event is ChannelShouldQuiesceEvent) {
            perform(action, context: context)
        }
    }
}

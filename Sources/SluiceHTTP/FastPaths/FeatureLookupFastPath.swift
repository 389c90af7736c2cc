import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers GET /v1/features/{view}/{entityId}, the route scoring services call per payment, on the
/// connection's event loop; every other request passes on to the router.
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

    struct Lookup {
        let view: String
        let entity: String
        let query: [String: String]
        let started: ContinuousClock.Instant
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

    /// The lookup a request asks for, or nil for one the router should see: any other route or
    /// method, a Connection header (the router closes connections that ask for it), a refused
    /// token (the router answers 401) or malformed arguments (the router words the error).
    private static func lookup(_ request: HTTPRequest, lookups: LookupResponder) -> Lookup? {
        guard request.method == .get, let path = request.path, path.hasPrefix("/v1/features/"),
            request.headerFields[.connection] == nil,
            lookups.admits(authorization: request.headerFields[.authorization]),
            let (view, entity, query) = LookupResponder.arguments(path: path)
        else { return nil }
        return Lookup(view: view, entity: entity, query: query, started: .now)
    }

    private func answer(_ lookup: Lookup, context: ChannelHandlerContext) {
        lookups.answer(
            view: lookup.view, entity: lookup.entity, query: lookup.query, started: lookup.started,
            on: context.eventLoop
        ) {
            status, body in
            self.respond(status: status, body: body, context: context)
            for action in self.machine.answered() { self.perform(action, context: context) }
            // The router's channel hands reads on at read-complete, and these came after it.
            if self.readsPassedOn { self.channelReadComplete(context: context) }
            if let events = self.machine.eventsDue() { self.perform(events, context: context) }
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

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

    private struct Lookup {
        let view: String
        let entity: String
        let query: [String: String]
        let started: ContinuousClock.Instant
    }

    /// Where the request whose parts are arriving stands.
    private enum Current: Equatable {
        /// Between requests.
        case none
        /// A lookup whose head was read; it is answered at its end.
        case readingLookup
        /// A lookup read in full and being answered: parts that arrive wait in `held`.
        case answeringLookup
        /// A request passed to the router, its parts following it.
        case routing
    }

    private var current = Current.none
    /// The lookup being read or answered here (`readingLookup`, `answeringLookup`).
    private var lookup: Lookup?
    /// Requests passed to the router whose response has not been written in full.
    private var routedInFlight = 0
    /// Parts that arrived while a lookup was answered; they are taken in order after it.
    private var held = CircularBuffer<HTTPRequestPart>()
    /// Parts were passed to the router since its last read-complete event.
    private var readsPassedOn = false
    private var quiescing = false
    /// End-of-input and shutdown events that wait for the lookup in progress (and the parts held
    /// behind it) before reaching the router.
    private var heldEvents: [Any] = []

    init(_ lookups: LookupResponder) {
        self.lookups = lookups
    }

    // MARK: - Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if current == .answeringLookup || !held.isEmpty {
            held.append(part)
        } else {
            take(part, context: context)
        }
    }

    private func take(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let request):
            if routedInFlight == 0, !quiescing, let lookup = Self.lookup(request, lookups: lookups) {
                self.lookup = lookup
                current = .readingLookup
            } else {
                current = .routing
                routedInFlight += 1
                passOn(part, context: context)
            }
        case .body:
            // A lookup's body (a GET should have none) is ignored, as the router ignores it.
            if current == .routing { passOn(part, context: context) }
        case .end:
            switch current {
            case .routing:
                current = .none
                passOn(part, context: context)
            case .readingLookup:
                current = .answeringLookup
                answer(context: context)
            case .none, .answeringLookup:
                break
            }
        }
    }

    private func passOn(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        readsPassedOn = true
        context.fireChannelRead(wrapInboundOut(part))
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

    private func answer(context: ChannelHandlerContext) {
        guard let lookup else { return }
        lookups.answer(
            view: lookup.view, entity: lookup.entity, query: lookup.query, started: lookup.started,
            on: context.eventLoop
        ) {
            status, body in
            self.respond(status: status, body: body, context: context)
            self.lookup = nil
            self.current = .none
            self.takeHeld(context: context)
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

    /// Takes the parts held during a lookup, until one of them starts another.
    private func takeHeld(context: ChannelHandlerContext) {
        while current != .answeringLookup, let part = held.popFirst() { take(part, context: context) }
        // The router's channel hands reads on at read-complete, and these came after it.
        if readsPassedOn { channelReadComplete(context: context) }
        if !heldEvents.isEmpty && !holdsLookup && held.isEmpty {
            let events = heldEvents
            heldEvents = []
            for event in events { context.fireUserInboundEventTriggered(event) }
        }
    }

    /// A lookup is being read or answered here.
    private var holdsLookup: Bool { current == .readingLookup || current == .answeringLookup }

    // MARK: - Responses and events

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routedInFlight -= 1 }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard LookupResponder.waitsForAnswers(event) else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if event is ChannelShouldQuiesceEvent { quiescing = true }
        if !holdsLookup && held.isEmpty && heldEvents.isEmpty {
            context.fireUserInboundEventTriggered(event)
        } else {
            heldEvents.append(event)
        }
    }
}

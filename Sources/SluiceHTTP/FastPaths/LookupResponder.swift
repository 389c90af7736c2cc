import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// What the two lookup fast paths (`RawLookupFastPath` before HTTP decoding,
/// `FeatureLookupFastPath` after it) share: the backends and tokens they answer with, and how a
/// lookup's target is read, its answer (or a score's) made and recorded, and which events wait
/// for it. Both answer as the router does, to the byte.
struct LookupResponder: Sendable {
    let backend: any FeatureBackend
    let scoring: (any ScoringBackend)?
    let tokens: BearerTokens
    let serverName: String?
    /// The largest score body taken (the router's limit for bodies).
    let maxBodyBytes: Int

    init(
        backend: any FeatureBackend, scoring: (any ScoringBackend)? = nil, tokens: BearerTokens, serverName: String?,
        maxBodyBytes: Int = 1 << 20
    ) {
        self.backend = backend
        self.scoring = scoring
        self.tokens = tokens
        self.serverName = serverName
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether a request with this Authorization header is answered here; a refused one goes to
    /// the router, which answers 401.
    func admits(authorization: String?) -> Bool { tokens.isEmpty || tokens.accept(authorization) }

    /// The view, entity id and query of a lookup's request target (path and query), or nil when
    /// it is not one or the router words an error for its arguments.
    static func arguments(path: String) -> (view: String, entity: String, query: [String: String])? {
        let uri = URI(path)
        let parts = uri.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[1] == "v1", parts[2] == "features", !parts[3].isEmpty, !parts[4].isEmpty else {
            return nil
        }
        return try? FeatureAPI.lookupArguments(view: parts[3], entity: parts[4], uri: uri)
    }

    /// Looks the entity up on `eventLoop` and hands `respond` the answer's status and body (errors
    /// encoded as the router does), then records it in the request metrics from `started`.
    func answer(
        view: String, entity: String, query: [String: String], started: ContinuousClock.Instant,
        on eventLoop: any EventLoop,
        respond: @escaping (HTTPResponse.Status, [UInt8]) -> Void
    ) {
        complete(
            backend.lookup(view: view, entity: entity, query: query, on: eventLoop), route: RequestMetrics.lookupRoute,
            started: started, on: eventLoop, respond: respond)
    }

    /// Scores a POST /v1/score body on `eventLoop`, answering as `answer` does.
    func score(
        body: [UInt8], started: ContinuousClock.Instant, on eventLoop: any EventLoop,
        respond: @escaping (HTTPResponse.Status, [UInt8]) -> Void
    ) {
        guard let scoring else { preconditionFailure("a score is taken only with a scoring backend") }
        complete(
            scoring.score(body: body, on: eventLoop), route: RequestMetrics.scoreRoute, started: started,
            on: eventLoop, respond: respond)
    }

    private func complete(
        _ answer: EventLoopFuture<[UInt8]>, route: String, started: ContinuousClock.Instant,
        on eventLoop: any EventLoop, respond: @escaping (HTTPResponse.Status, [UInt8]) -> Void
    ) {
        answer.hop(to: eventLoop).assumeIsolated().whenComplete { result in
            let status: HTTPResponse.Status
            let body: [UInt8]
            switch result {
            case .success(let bytes):
                (status, body) = (.ok, bytes)
            case .failure(let error):
                let problem = error as? APIProblem ?? APIProblem(.internalServerError, "internal", "\(error)")
                (status, body) = (problem.status, ProblemMiddleware.problemBody(problem))
            }
            respond(status, body)
            RequestMetrics.record(route: route, status: status.code, since: started)
        }
    }

    /// Whether `event` must wait for the lookups already received to be answered: the end of the
    /// client's input (it may half-close after its requests) and a shutdown notice. Passed on at
    /// once, they would have the connection closed with answers still owed.
    static func waitsForAnswers(_ event: Any) -> Bool {
        if case .inputClosed? = event as? ChannelEvent { return true }
        return event is ChannelShouldQuiesceEvent
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// An error answered as `{"error": {"code": ..., "message": ...}}` with its HTTP status.
public struct APIProblem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String) -> APIProblem { APIProblem(.badRequest, "bad_request", message) }
    public static func notFound(_ message: String) -> APIProblem { APIProblem(.notFound, "not_found", message) }
    public static func unavailable(_ message: String) -> APIProblem {
        APIProblem(.serviceUnavailable, "unavailable", message)
    }
    public static func tooLarge(_ code: String, _ message: String) -> APIProblem {
        APIProblem(.contentTooLarge, code, message)
    }
}

/// What the API serves; implemented by the wiring module over the online store.
public protocol FeatureBackend: Sendable {
    /// JSON of one entity's features (GET /v1/features/{view}/{entityId}); `query` holds `at` and
    /// the request inputs of on-demand features. Completes on `eventLoop`, failing with an
    /// `APIProblem`.
    func lookup(view: String, entity: String, query: [String: String], on eventLoop: any EventLoop) -> EventLoopFuture<
        [UInt8]
    >
    /// JSON of a batch (POST /v1/features) from its request body.
    func batch(body: [UInt8]) async throws(APIProblem) -> [UInt8]
    /// JSON of GET /v1/views.
    var views: [UInt8] { get }
    /// Whether Redis answers, and a word on it.
    func ready() async -> (ok: Bool, detail: String)
}

/// Settings of the serving API.
public struct FeatureAPIConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Accepted bearer tokens; empty: no authentication.
    public var tokens: [String] = []
    /// Largest request body accepted. Default 1 MiB.
    public var maxBodyBytes = 1 << 20
    /// The OpenAPI document served at /openapi.json.
    public var openAPIDocument: [UInt8] = []

    public init() {}
}

/// The HTTP API of `sluice serve` (Hummingbird 2), as a swift-service-lifecycle `Service`:
/// SIGTERM stops accepting connections and lets requests in flight finish.
public struct FeatureAPI: Service {
    let backend: any FeatureBackend
    let configuration: FeatureAPIConfiguration
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    public init(
        backend: any FeatureBackend, configuration: FeatureAPIConfiguration, registry: PrometheusCollectorRegistry,
        logger: Logger
    ) {
        self.backend = backend
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
    }

    public func run() async throws {
        let lookups = LookupResponder(
            backend: backend, tokens: BearerTokens(configuration.tokens), serverName: "sluice")
        let application = Application(
            router: makeRouter(),
            // Single lookups, the hot route, are answered on the event loop: from the raw bytes
            // while a connection asks only for plain lookups, then after HTTP decoding by the
            // fast path; everything else reaches the router.
            server: HTTPServerBuilder { responder in
                LookupHTTP1Channel(
                    http1: HTTP1Channel(
                        responder: responder,
                        configuration: .init(additionalChannelHandlers: [FeatureLookupFastPath(lookups)])),
                    lookups: lookups)
            },
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "sluice"),
            logger: logger)
        logger.info("serving features at http://\(configuration.host):\(configuration.port)/v1/features")
        // `run()`, not `runService()`: the latter adds a service group of its own that also
        // catches SIGTERM, and when it finished first, ours saw this service end "unexpectedly"
        // and the process exited 1. Graceful shutdown reaches the application from our group.
        try await application.run()
    }

    /// The routes; public for tests that drive the router directly.
    public func makeRouter() -> Router<BasicRequestContext> {
        let backend = self.backend
        let configuration = self.configuration
        let registry = self.registry
        let router = Router()
        router.add(middleware: ProblemMiddleware(tokens: configuration.tokens))

        // The fast path answers most of these; the router gets those it passes on (after another
        // request still in flight on the connection, or with a Connection header).
        router.get("/v1/features/:view/:entity") { request, context -> Response in
            let (view, entity, query) = try Self.lookupArguments(
                view: Substring(try context.parameters.require("view")),
                entity: Substring(try context.parameters.require("entity")), uri: request.uri)
            do {
                return Self.json(
                    try await backend.lookup(
                        view: view, entity: entity, query: query, on: MultiThreadedEventLoopGroup.singleton.any()
                    ).get())
            } catch let problem as APIProblem {
                throw problem
            } catch {
                throw APIProblem(.internalServerError, "internal", "\(error)")
            }
        }
        router.post("/v1/features") { request, _ -> Response in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: configuration.maxBodyBytes)
            } catch {
                throw APIProblem(
                    .contentTooLarge, "body_too_large",
                    "the request body is larger than \(configuration.maxBodyBytes) bytes")
            }
            return Self.json(try await backend.batch(body: Array(buffer: body)))
        }
        router.get("/v1/views") { _, _ -> Response in Self.json(backend.views) }
        router.get("/healthz") { _, _ -> Response in Self.json(Array("{\"status\":\"ok\"}".utf8)) }
        router.get("/readyz") { _, _ -> Response in
            let (ok, detail) = await backend.ready()
            let body = "{\"status\":\(ok ? "\"ready\"" : "\"unavailable\""),\"redis\":\(Self.quoted(detail))}"
            return Self.json(Array(body.utf8), status: ok ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in .prometheus(registry) }
        router.get("/openapi.json") { _, _ -> Response in Self.json(configuration.openAPIDocument) }
        return router
    }

    /// The view, entity id and query of a lookup, from the raw (percent-encoded) path parts.
    static func lookupArguments(view rawView: Substring, entity rawEntity: Substring, uri: URI) throws(APIProblem)
        -> (view: String, entity: String, query: [String: String])
    {
        // Foundation's decoding is a tenth of a lookup's cost; most ids have nothing to decode.
        // (Searched as bytes: `contains("%")` on a Substring goes through Foundation's string search.)
        let view = rawView.utf8.contains(UInt8(ascii: "%")) ? rawView.removingPercentEncoding ?? "" : String(rawView)
        // Ids with spaces, slashes or other reserved characters come percent-encoded.
        guard
            let entity = rawEntity.utf8.contains(UInt8(ascii: "%"))
                ? rawEntity.removingPercentEncoding : String(rawEntity)
        else {
            throw APIProblem.badRequest("the entity id is not valid percent-encoding")
        }
        var query: [String: String] = [:]
        guard uri.query != nil else { return (view, entity, query) }
        for (key, value) in uri.queryParameters {
            guard query[String(key)] == nil else {
                throw APIProblem.badRequest("query parameter '\(key)' is given twice")
            }
            query[String(key)] = String(value)
        }
        return (view, entity, query)
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}

/// Authentication, error bodies and request metrics for every route.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let tokens: BearerTokens

    init(tokens: [String]) { self.tokens = BearerTokens(tokens) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let route = Self.route(of: request.uri.path)
        let response: Response
        do {
            if !tokens.isEmpty && route.hasPrefix("/v1/") && !tokens.accept(request.headers[.authorization]) {
                throw BearerTokens.refusal
            }
            response = try await next(request, context)
        } catch let problem as APIProblem {
            response = Self.problem(problem)
        } catch let error as HTTPError where error.status == .notFound && route != "other" {
            // A known path with a method it does not have.
            let allowed = route == "/v1/features" ? "POST" : "GET"
            var answer = Self.problem(
                APIProblem(.methodNotAllowed, "method_not_allowed", "\(route) accepts \(allowed) only"))
            answer.headers[.allow] = allowed
            response = answer
        } catch let error as HTTPError {
            response = Self.problem(
                APIProblem(
                    error.status, error.status == .notFound ? "not_found" : "bad_request",
                    error.body ?? "\(error.status)"))
        } catch {
            response = Self.problem(APIProblem(.internalServerError, "internal", "\(error)"))
        }
        RequestMetrics.record(route: route, status: response.status.code, since: started)
        return response
    }

    static func route(of path: String) -> String {
        if path.hasPrefix("/v1/features/") && path.dropFirst("/v1/features/".count).contains("/") {
            return RequestMetrics.lookupRoute
        }
        return RequestMetrics.routes.contains(path) ? path : "other"
    }

    static func problem(_ problem: APIProblem) -> Response {
        FeatureAPI.json(problemBody(problem), status: problem.status)
    }

    static func problemBody(_ problem: APIProblem) -> [UInt8] {
        Array(
            "{\"error\":{\"code\":\(FeatureAPI.quoted(problem.code)),\"message\":\(FeatureAPI.quoted(problem.message))}}"
                .utf8)
    }
}

extension FeatureAPI {
    /// Runs Swift concurrency's jobs on NIO's event loops, so a request's handler, its Redis
    /// round trip and its response never hop to the separate concurrency thread pool and back.
    /// Call once, before serving; returns whether it took effect.
    @discardableResult
    public static func runConcurrencyOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}

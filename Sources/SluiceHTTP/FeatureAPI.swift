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

/// The HTTP API of `sluice serve` (Hummingbird 2), as a swift-service-lifecycle `Service`:
/// SIGTERM stops accepting connections and lets requests in flight finish.
public struct FeatureAPI: Service {
    let backend: any FeatureBackend
    let models: (any ModelRegistryBackend)?
    let scoring: (any ScoringBackend)?
    let configuration: FeatureAPIConfiguration
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    /// - Parameter models: the model registry's routes (/v1/models..., /v1/features); nil to
    ///   serve features only.
    public init(
        backend: any FeatureBackend, models: (any ModelRegistryBackend)? = nil, scoring: (any ScoringBackend)? = nil,
        configuration: FeatureAPIConfiguration, registry: PrometheusCollectorRegistry, logger: Logger
    ) {
        self.backend = backend
        self.models = models
        self.scoring = scoring
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
    }

    public func run() async throws {
        let lookups = LookupResponder(
            backend: backend, scoring: scoring, tokens: BearerTokens(configuration.tokens), serverName: "sluice",
            maxBodyBytes: configuration.maxBodyBytes)
        let application = Application(
            router: makeRouter(),
            // Single lookups and scores, the hot routes, are answered on the event loop: lookups
            // from the raw bytes while a connection asks only for plain lookups, then both after
            // HTTP decoding by the fast path; everything else reaches the router.
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
        router.add(
            middleware: ProblemMiddleware(
                tokens: configuration.tokens, adminTokens: configuration.adminTokens, registryRoutes: models != nil))

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
        if let models { addRegistryRoutes(to: router, models: models, configuration: configuration) }
        if let scoring {
            router.post("/v1/score") { request, _ -> Response in
                Self.json(
                    try await scoring.score(body: try await Self.body(request, limit: configuration.maxBodyBytes)))
            }
        }
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

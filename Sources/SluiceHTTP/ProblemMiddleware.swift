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

/// Authentication, error bodies and request metrics for every route.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let tokens: BearerTokens
    let adminTokens: BearerTokens
    /// Whether the registry's routes are served (GET /v1/features among them).
    let registryRoutes: Bool

    init(tokens: [String], adminTokens: [String] = [], registryRoutes: Bool = false) {
        self.tokens = BearerTokens(tokens)
        self.adminTokens = BearerTokens(adminTokens)
        self.registryRoutes = registryRoutes
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let route = Self.route(of: request.uri.path)
        let response: Response
        do {
            try authorize(request, route: route)
            response = try await next(request, context)
        } catch let problem as APIProblem {
            response = Self.problem(problem)
        } catch let error as HTTPError where error.status == .notFound && route != "other" {
            // A known path with a method it does not have.
            let allowed = route == "/v1/features" && !registryRoutes ? "POST" : Self.allowedMethods[route] ?? "GET"
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

    /// Lookups need a lookup or admin token, registry changes an admin token; with no tokens of
    /// a kind configured, what it guards is open (lookups) or off (registry changes).
    private func authorize(_ request: Request, route: String) throws {
        let header = request.headers[.authorization]
        if request.method == .post && route.hasPrefix("/v1/models/") {
            guard !adminTokens.isEmpty else {
                throw APIProblem(
                    .forbidden, "forbidden",
                    "registry changes over HTTP are off: start sluice serve with admin tokens (SLUICE_ADMIN_TOKENS or --admin-tokens-file)"
                )
            }
            guard adminTokens.accept(header) else {
                throw tokens.accept(header)
                    ? APIProblem(.forbidden, "forbidden", "this token may read but not change the registry")
                    : BearerTokens.refusal
            }
            return
        }
        if !tokens.isEmpty && route.hasPrefix("/v1/") && !tokens.accept(header) && !adminTokens.accept(header) {
            throw BearerTokens.refusal
        }
    }

    static let allowedMethods = [
        "/v1/features": "GET, POST", "/v1/models/{name}/aliases/{alias}": "GET, POST",
        "/v1/models/{name}/versions/{version}/approval": "POST", "/v1/score": "POST",
    ]

    static func route(of path: String) -> String {
        if path.hasPrefix("/v1/features/") && path.dropFirst("/v1/features/".count).contains("/") {
            return RequestMetrics.lookupRoute
        }
        if path.hasPrefix("/v1/models/") {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(3)
            switch (parts.count, parts.dropFirst().first) {
            case (1, _): return "/v1/models/{name}"
            case (2, "history"?): return "/v1/models/{name}/history"
            case (3, "versions"?): return "/v1/models/{name}/versions/{version}"
            case (3, "aliases"?): return "/v1/models/{name}/aliases/{alias}"
            case (4, "versions"?) where parts.last == "approval": return "/v1/models/{name}/versions/{version}/approval"
            default: return "other"
            }
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

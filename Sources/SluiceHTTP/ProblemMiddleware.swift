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

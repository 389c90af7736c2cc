import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The model registry's routes. Reads need a lookup or admin token (when tokens are set);
/// changes need an admin token, checked by `ProblemMiddleware`.
extension FeatureAPI {
    /// The `X-Sluice-Actor` header: who a change is recorded as.
    static let actorHeader = HTTPField.Name("X-Sluice-Actor")!

    func addRegistryRoutes(
        to router: Router<BasicRequestContext>, models: any ModelRegistryBackend, configuration: FeatureAPIConfiguration
    ) {
        router.get("/v1/models") { _, _ -> Response in Self.json(try await models.models()) }
        router.get("/v1/models/:name") { _, context -> Response in
            Self.json(try await models.model(try Self.segment(context, "name")))
        }
        router.get("/v1/models/:name/versions/:version") { _, context -> Response in
            Self.json(try await models.version(try Self.segment(context, "name"), try Self.segment(context, "version")))
        }
        router.get("/v1/models/:name/aliases/:alias") { request, context -> Response in
            let at = request.uri.queryParameters["at"].map(String.init)
            return Self.json(
                try await models.resolve(try Self.segment(context, "name"), try Self.segment(context, "alias"), at: at))
        }
        router.get("/v1/models/:name/history") { _, context -> Response in
            Self.json(try await models.history(try Self.segment(context, "name")))
        }
        router.get("/v1/features") { _, _ -> Response in Self.json(try await models.features()) }
        router.post("/v1/models/:name/aliases/:alias") { request, context -> Response in
            let body = try await Self.body(request, limit: configuration.maxBodyBytes)
            return Self.json(
                try await models.moveAlias(
                    try Self.segment(context, "name"), try Self.segment(context, "alias"), body: body,
                    actor: try Self.actor(request)))
        }
        router.post("/v1/models/:name/versions/:version/approval") { request, context -> Response in
            let body = try await Self.body(request, limit: configuration.maxBodyBytes)
            return Self.json(
                try await models.setApproval(
                    try Self.segment(context, "name"), try Self.segment(context, "version"), body: body,
                    actor: try Self.actor(request)))
        }
    }

    static func segment(_ context: BasicRequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw APIProblem.badRequest("the \(name) in the path is not valid percent-encoding")
        }
        return decoded
    }

    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            return Array(buffer: try await request.body.collect(upTo: limit))
        } catch {
            throw APIProblem(.contentTooLarge, "body_too_large", "the request body is larger than \(limit) bytes")
        }
    }

    /// The `X-Sluice-Actor` header, else "http-admin"; an empty one is refused rather than
    /// recorded as nobody.
    static func actor(_ request: Request) throws -> String {
        guard let header = request.headers[actorHeader] else { return "http-admin" }
        guard !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIProblem.badRequest("the X-Sluice-Actor header is empty; leave it out or say who is acting")
        }
        return header
    }
}

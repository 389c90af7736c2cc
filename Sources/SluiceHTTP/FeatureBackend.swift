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

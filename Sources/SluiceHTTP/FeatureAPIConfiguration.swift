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

/// Settings of the serving API.
public struct FeatureAPIConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Accepted bearer tokens; empty: no authentication.
    public var tokens: [String] = []
    /// Tokens that may change the registry (POST /v1/models/...), a set apart from `tokens`;
    /// they also read everything. Empty: registry changes over HTTP are refused.
    public var adminTokens: [String] = []
    /// Largest request body accepted. Default 1 MiB.
    public var maxBodyBytes = 1 << 20
    /// The OpenAPI document served at /openapi.json.
    public var openAPIDocument: [UInt8] = []

    public init() {}
}

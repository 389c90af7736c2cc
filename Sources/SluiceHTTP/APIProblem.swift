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
    public static func conflict(_ code: String, _ message: String) -> APIProblem {
        APIProblem(.conflict, code, message)
    }
    public static func internalError(_ message: String) -> APIProblem {
        APIProblem(.internalServerError, "internal", message)
    }
    public static func tooLarge(_ code: String, _ message: String) -> APIProblem {
        APIProblem(.contentTooLarge, code, message)
    }
}

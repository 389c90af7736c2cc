import NIOCore

/// Scoring as the API serves it (POST /v1/score); implemented by the wiring module over the
/// online store, the registry's deployments and the model evaluator.
public protocol ScoringBackend: Sendable {
    /// The JSON answer to a score request body, completed on `eventLoop` (the connection's, on the
    /// fast path; any of the backend's for the router); fails with an `APIProblem`.
    func score(body: [UInt8], on eventLoop: any EventLoop) -> EventLoopFuture<[UInt8]>

    /// An event loop of the backend's Redis connections, for requests the router answers.
    func anyEventLoop() -> any EventLoop
}

extension ScoringBackend {
    /// The answer for the router's async handler.
    public func score(body: [UInt8]) async throws(APIProblem) -> [UInt8] {
        do {
            return try await score(body: body, on: anyEventLoop()).get()
        } catch {
            throw error as? APIProblem ?? APIProblem.internalError("\(error)")
        }
    }
}

/// Scoring as the API serves it (POST /v1/score); implemented by the wiring module over the
/// online store, the registry's deployments and the model evaluator.
public protocol ScoringBackend: Sendable {
    /// The JSON answer to a score request body, or an `APIProblem`.
    func score(body: [UInt8]) async throws(APIProblem) -> [UInt8]
}

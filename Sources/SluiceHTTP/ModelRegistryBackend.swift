/// The model registry as the API serves it; implemented by the wiring module over `Registry`.
/// Every method returns the JSON body of its answer or throws an `APIProblem`. `actor` is who
/// made a change: the `X-Sluice-Actor` header, else "http-admin".
public protocol ModelRegistryBackend: Sendable {
    /// GET /v1/models
    func models() async throws(APIProblem) -> [UInt8]
    /// GET /v1/models/{name}
    func model(_ name: String) async throws(APIProblem) -> [UInt8]
    /// GET /v1/models/{name}/versions/{version}
    func version(_ name: String, _ version: String) async throws(APIProblem) -> [UInt8]
    /// GET /v1/models/{name}/aliases/{alias}?at=TIME
    func resolve(_ name: String, _ alias: String, at: String?) async throws(APIProblem) -> [UInt8]
    /// GET /v1/models/{name}/history
    func history(_ name: String) async throws(APIProblem) -> [UInt8]
    /// GET /v1/features
    func features() async throws(APIProblem) -> [UInt8]
    /// POST /v1/models/{name}/aliases/{alias}: `{"version": N | null, "expect_version": N | "none", "reason": "..."}`
    func moveAlias(_ name: String, _ alias: String, body: [UInt8], actor: String) async throws(APIProblem) -> [UInt8]
    /// POST /v1/models/{name}/versions/{version}/approval: `{"approval": "approved" | "rejected" | "pending", "reason": "..."}`
    func setApproval(_ name: String, _ version: String, body: [UInt8], actor: String) async throws(APIProblem)
        -> [UInt8]
}

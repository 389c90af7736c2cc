import Foundation
import SluiceCore
import SluiceHTTP
import SluiceRegistry
import SluiceRuntime

/// The registry behind `sluice serve`'s /v1/models and /v1/features routes: JSON in the shapes
/// `--json` prints, registry errors as HTTP problems (404 unknown, 400 malformed, 409 a lost
/// `expect_version` race or a refused change, 503 a store that is locked or away).
public struct RegistryHTTPBackend: ModelRegistryBackend {
    let registry: Registry

    public init(registry: Registry) {
        self.registry = registry
    }

    public func models() async throws(APIProblem) -> [UInt8] {
        try await answer { () async throws(RegistryError) in try await registry.models() }
    }

    public func model(_ name: String) async throws(APIProblem) -> [UInt8] {
        struct Shown: Encodable {
            var model: ModelSummary
            var versions: [ModelVersion]
        }
        return try await answer { () async throws(RegistryError) in
            Shown(model: try await registry.model(name), versions: try await registry.versions(name))
        }
    }

    public func version(_ name: String, _ version: String) async throws(APIProblem) -> [UInt8] {
        let number = try Self.versionNumber(version)
        return try await answer { () async throws(RegistryError) in try await registry.version(name, number) }
    }

    public func resolve(_ name: String, _ alias: String, at: String?) async throws(APIProblem) -> [UInt8] {
        let time = try at.map { text throws(APIProblem) in
            guard let time = TimeText.parse(text) else {
                throw APIProblem.badRequest("at '\(text)' is neither epoch milliseconds nor an ISO-8601 time")
            }
            guard (0...Self.latestTime).contains(time) else {
                throw APIProblem.badRequest("at \(text) is outside 1970 to 9999")
            }
            return time
        }
        return try await answer { () async throws(RegistryError) in try await registry.resolve(name, alias, at: time) }
    }

    public func history(_ name: String) async throws(APIProblem) -> [UInt8] {
        try await answer { () async throws(RegistryError) in try await registry.history(name) }
    }

    public func features() async throws(APIProblem) -> [UInt8] {
        try await answer { () async throws(RegistryError) in try await registry.features() }
    }

    public func moveAlias(_ name: String, _ alias: String, body: [UInt8], actor: String) async throws(APIProblem)
        -> [UInt8]
    {
        let object = try Self.object(body)
        guard object.keys.contains("version") else {
            throw APIProblem.badRequest("the body needs \"version\": a version number, or null to delete the alias")
        }
        let version = try Self.optionalInteger(object["version"], "version")
        let expectation: AliasExpectation
        switch object["expect_version"] {
        case nil: expectation = .any
        case let text as String where text == "none": expectation = .absent
        case let number as NSNumber: expectation = .version(try Self.optionalInteger(number, "expect_version") ?? 0)
        default: throw APIProblem.badRequest("\"expect_version\" must be a version number or \"none\"")
        }
        let reason = try Self.text(object["reason"], "reason")
        return try await answer { () async throws(RegistryError) in
            try await registry.moveAlias(name, alias, to: version, expecting: expectation, reason: reason, actor: actor)
        }
    }

    public func setApproval(_ name: String, _ version: String, body: [UInt8], actor: String) async throws(APIProblem)
        -> [UInt8]
    {
        let number = try Self.versionNumber(version)
        let object = try Self.object(body)
        guard let text = object["approval"] as? String, let approval = Approval(rawValue: text) else {
            throw APIProblem.badRequest("the body needs \"approval\": \"approved\", \"rejected\" or \"pending\"")
        }
        let reason = try Self.text(object["reason"], "reason")
        return try await answer { () async throws(RegistryError) in
            try await registry.setApproval(name, number, to: approval, reason: reason, actor: actor)
        }
    }

    // MARK: - Helpers

    /// The end of year 9999 in epoch ms: the last time `at` may name.
    static let latestTime: Int64 = 253_402_300_799_999
    /// The largest version number the API takes (as its OpenAPI document says).
    static let largestVersion = 1_000_000_000

    private func answer<Value: Encodable>(_ body: () async throws(RegistryError) -> Value) async throws(APIProblem)
        -> [UInt8]
    {
        let value: Value
        do {
            value = try await body()
        } catch {
            throw Self.problem(error)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw APIProblem.internalError("the answer did not encode as JSON: \(error)")
        }
    }

    static func problem(_ error: RegistryError) -> APIProblem {
        switch error.code {
        case .notFound: APIProblem.notFound(error.message)
        case .invalidArgument, .unknownColumns, .invalidArtifact: APIProblem.badRequest(error.message)
        case .conflict: APIProblem.conflict("conflict", error.message)
        case .refused: APIProblem.conflict("refused", error.message)
        case .storeLocked, .storeUnavailable: APIProblem.unavailable(error.message)
        default: APIProblem.internalError(error.message)
        }
    }

    private static func versionNumber(_ text: String) throws(APIProblem) -> Int {
        guard let number = Int(text), (1...largestVersion).contains(number) else {
            throw APIProblem.badRequest("'\(text)' is not a version number (1, 2, ...)")
        }
        return number
    }

    private static func object(_ body: [UInt8]) throws(APIProblem) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw APIProblem.badRequest("the body is not a JSON object")
        }
        return object
    }

    private static func optionalInteger(_ value: Any?, _ name: String) throws(APIProblem) -> Int? {
        switch value {
        case nil, is NSNull: return nil
        case let number as NSNumber:
            guard let integer = Int(exactly: number.doubleValue), (1...largestVersion).contains(integer) else {
                throw APIProblem.badRequest("\"\(name)\" must be a version number (1, 2, ...)")
            }
            return integer
        default: throw APIProblem.badRequest("\"\(name)\" must be a version number (1, 2, ...)")
        }
    }

    /// An optional string member: absent is empty; present, it must be a string (not null).
    private static func text(_ value: Any?, _ name: String) throws(APIProblem) -> String {
        switch value {
        case nil: return ""
        case let text as String: return text
        default: throw APIProblem.badRequest("\"\(name)\" must be a string")
        }
    }
}

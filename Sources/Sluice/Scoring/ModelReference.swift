import SluiceCore
import SluiceRegistry

/// How a command names a model version: `NAME@ALIAS`, `NAME/VERSION`, or `NAME` for its newest
/// version.
public enum ModelReference: Sendable, Equatable, CustomStringConvertible {
    case alias(model: String, alias: String)
    case version(model: String, version: Int)
    case latest(model: String)

    public init(_ text: String) throws(RegistryError) {
        if let at = text.firstIndex(of: "@") {
            self = .alias(model: String(text[..<at]), alias: String(text[text.index(after: at)...]))
        } else if let slash = text.firstIndex(of: "/") {
            guard let version = Int(text[text.index(after: slash)...]), version > 0 else {
                throw RegistryError(.invalidArgument, "'\(text)' is not NAME/VERSION with a version number")
            }
            self = .version(model: String(text[..<slash]), version: version)
        } else {
            self = .latest(model: text)
        }
    }

    public var description: String {
        switch self {
        case .alias(let model, let alias): "\(model)@\(alias)"
        case .version(let model, let version): "\(model)/\(version)"
        case .latest(let model): model
        }
    }

    /// The version it names now.
    public func resolve(in registry: Registry) async throws(RegistryError) -> ModelVersion {
        switch self {
        case .alias(let model, let alias): try await registry.resolve(model, alias)
        case .version(let model, let version): try await registry.version(model, version)
        case .latest(let model): try await registry.version(model, try await registry.model(model).latestVersion)
        }
    }
}

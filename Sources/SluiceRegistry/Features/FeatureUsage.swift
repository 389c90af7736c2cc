/// A model version that reads a feature column, and the aliases pointing to it now.
public struct FeatureUsage: Sendable, Equatable, Codable, Hashable {
    public var model: String
    public var version: Int
    public var aliases: [String]

    public init(model: String, version: Int, aliases: [String]) {
        self.model = model
        self.version = version
        self.aliases = aliases
    }
}

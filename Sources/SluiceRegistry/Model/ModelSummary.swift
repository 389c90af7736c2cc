/// A registered model: its newest version and where its aliases point now.
public struct ModelSummary: Sendable, Equatable, Codable {
    public var name: String
    /// Epoch milliseconds of its first version.
    public var createdAt: Int64
    public var latestVersion: Int
    public var aliases: [String: Int]

    public init(name: String, createdAt: Int64, latestVersion: Int, aliases: [String: Int]) {
        self.name = name
        self.createdAt = createdAt
        self.latestVersion = latestVersion
        self.aliases = aliases
    }

    enum CodingKeys: String, CodingKey {
        case name, aliases
        case createdAt = "created_at"
        case latestVersion = "latest_version"
    }
}

/// A topology registered by `sluice features apply`: versions count 1, 2, ... per topology name,
/// one per distinct content hash.
public struct TopologyVersion: Sendable, Equatable, Codable {
    public var name: String
    public var version: Int
    /// Lowercase hex SHA-256 of the canonical document.
    public var contentHash: String
    public var document: TopologyDocument
    /// Epoch milliseconds.
    public var appliedAt: Int64
    public var appliedBy: String

    public init(
        name: String, version: Int, contentHash: String, document: TopologyDocument, appliedAt: Int64,
        appliedBy: String
    ) {
        self.name = name
        self.version = version
        self.contentHash = contentHash
        self.document = document
        self.appliedAt = appliedAt
        self.appliedBy = appliedBy
    }

    public var reference: TopologyReference {
        TopologyReference(name: name, version: version, contentHash: contentHash)
    }

    enum CodingKeys: String, CodingKey {
        case name, version, document
        case contentHash = "content_hash"
        case appliedAt = "applied_at"
        case appliedBy = "applied_by"
    }
}

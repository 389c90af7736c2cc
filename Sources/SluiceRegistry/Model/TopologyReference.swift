/// A registered topology version: what a model's input columns were checked against.
public struct TopologyReference: Sendable, Equatable, Codable {
    public var name: String
    public var version: Int
    public var contentHash: String

    public init(name: String, version: Int, contentHash: String) {
        self.name = name
        self.version = version
        self.contentHash = contentHash
    }

    enum CodingKeys: String, CodingKey {
        case name, version
        case contentHash = "content_hash"
    }
}

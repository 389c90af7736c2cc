/// A model artifact in the content-addressed artifact store: its file there is named by `sha256`.
public struct ArtifactReference: Sendable, Equatable, Codable {
    /// Lowercase hex SHA-256 of the artifact's bytes.
    public var sha256: String
    public var bytes: Int64
    /// The file name it was registered from, for people; never used to find it.
    public var originalName: String

    public init(sha256: String, bytes: Int64, originalName: String) {
        self.sha256 = sha256
        self.bytes = bytes
        self.originalName = originalName
    }

    enum CodingKeys: String, CodingKey {
        case sha256, bytes
        case originalName = "original_name"
    }
}

/// One immutable version of a model: its artifact, its input columns and where it came from.
/// Only `approval` changes after registration, through approval events.
public struct ModelVersion: Sendable, Equatable, Codable {
    public var model: String
    public var version: Int
    /// The artifact's format, e.g. `xgboost-json`.
    public var format: String
    public var artifact: ArtifactReference
    /// The ordered input columns, named as in the feature log (`card__txn_count_1h`).
    public var signature: [String]
    public var metrics: [String: Double]
    public var tags: [String: String]
    public var description: String
    public var lineage: ModelLineage
    public var approval: Approval
    /// Epoch milliseconds.
    public var registeredAt: Int64
    public var registeredBy: String

    public init(
        model: String, version: Int, format: String, artifact: ArtifactReference, signature: [String],
        metrics: [String: Double], tags: [String: String], description: String, lineage: ModelLineage,
        approval: Approval, registeredAt: Int64, registeredBy: String
    ) {
        self.model = model
        self.version = version
        self.format = format
        self.artifact = artifact
        self.signature = signature
        self.metrics = metrics
        self.tags = tags
        self.description = description
        self.lineage = lineage
        self.approval = approval
        self.registeredAt = registeredAt
        self.registeredBy = registeredBy
    }

    enum CodingKeys: String, CodingKey {
        case model, version, format, artifact, signature, metrics, tags, description, lineage, approval
        case registeredAt = "registered_at"
        case registeredBy = "registered_by"
    }
}

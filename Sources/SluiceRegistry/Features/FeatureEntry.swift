/// A feature as discovery shows it: its newest definition, the topology versions that have it,
/// when it was first registered, and the model versions that read it (reverse lineage).
public struct FeatureEntry: Sendable, Equatable, Codable {
    public var topology: String
    public var view: String
    public var feature: String
    /// `<view>__<feature>`, as in the feature log and model signatures.
    public var column: String
    public var aggregation: String
    public var field: String?
    public var window: Int64?
    public var tile: Int64?
    public var description: String
    public var viewDescription: String
    /// The view's owner (the topology's when the view names none).
    public var owner: String
    /// The topology's tags with the view's over them.
    public var tags: [String: String]
    /// Versions of the topology that define this column, oldest first.
    public var topologyVersions: [Int]
    /// Epoch milliseconds of the first topology version that defined it.
    public var firstRegistered: Int64
    public var usedBy: [FeatureUsage]

    enum CodingKeys: String, CodingKey {
        case topology, view, feature, column, aggregation, field, description, owner, tags
        case window = "window_ms"
        case tile = "tile_ms"
        case viewDescription = "view_description"
        case topologyVersions = "topology_versions"
        case firstRegistered = "first_registered"
        case usedBy = "used_by"
    }
}

/// Features of one entity type, keyed by one string field of the event.
public struct ViewSpec: Sendable, Equatable {
    public var name: String
    public var keyField: String
    public var description: String
    public var features: [FeatureSpec]
    /// Events older than the partition's newest event time minus this are late for this view.
    public var allowedLateness: Int64
    /// Redis TTL of an entity's tiles; defaults to the longest window + its tile + the lateness.
    public var ttl: Int64
    /// Features computed at request time from request inputs and the stored features.
    public var onDemand: [OnDemandSpec]
    /// Who owns the view (default: the topology's owner) and labels to find it by.
    public var owner: String
    public var tags: [String: String]

    public init(
        name: String, keyField: String, description: String = "", features: [FeatureSpec], allowedLateness: Int64,
        ttl: Int64? = nil, onDemand: [OnDemandSpec] = [], owner: String = "", tags: [String: String] = [:]
    ) {
        self.onDemand = onDemand
        self.owner = owner
        self.tags = tags
        self.name = name
        self.keyField = keyField
        self.description = description
        self.features = features
        self.allowedLateness = allowedLateness
        self.ttl = ttl ?? ViewSpec.defaultTTL(features: features, allowedLateness: allowedLateness)
    }

    public static func defaultTTL(features: [FeatureSpec], allowedLateness: Int64) -> Int64 {
        let longest = features.max { $0.window + $0.tile < $1.window + $1.tile }
        return (longest.map { $0.window + $0.tile } ?? 0) + allowedLateness
    }
}

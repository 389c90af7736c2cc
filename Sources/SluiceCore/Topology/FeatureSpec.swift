/// One windowed feature.
public struct FeatureSpec: Sendable, Equatable {
    public var name: String
    public var aggregation: Aggregation
    /// The aggregated field; nil for `count` and `time_since_last`.
    public var field: String?
    /// Window length in milliseconds.
    public var window: Int64
    /// Tile size in milliseconds.
    public var tile: Int64
    public var description: String

    public init(
        name: String, aggregation: Aggregation, field: String? = nil, window: Int64, tile: Int64,
        description: String = ""
    ) {
        self.name = name
        self.aggregation = aggregation
        self.field = field
        self.window = window
        self.tile = tile
        self.description = description
    }
}

import SluiceCore

/// One feature column of a topology as the feature log, training sets and model signatures name
/// it, with the definition that computes it.
public struct TopologyColumn: Sendable, Equatable {
    public var name: String
    public var view: TopologyDocument.View
    public var feature: TopologyDocument.Feature

    public init(view: TopologyDocument.View, feature: TopologyDocument.Feature) {
        self.name = FeatureLogLayout.columnName(view: view.name, feature: feature.name)
        self.view = view
        self.feature = feature
    }

    /// The properties whose change changes the column's values, as (property, value) pairs in a
    /// fixed order: what a plan compares. Descriptions are not among them.
    public var definition: [(property: String, value: String)] {
        [
            ("aggregation", feature.aggregation),
            ("field", feature.field ?? "-"),
            ("window", feature.window.map(DurationText.format) ?? "-"),
            ("tile", feature.tile.map(DurationText.format) ?? "-"),
            ("feature", feature.feature ?? "-"),
            ("key", view.key),
            ("lateness", DurationText.format(view.allowedLateness)),
        ]
    }
}

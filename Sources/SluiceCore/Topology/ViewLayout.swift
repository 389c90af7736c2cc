/// How a view's features map onto tiles: features are grouped by tile size, and each group's tile
/// accumulator holds exactly the statistics its features need.
///
/// A class, immutable after init: it is read for every event, and passing a struct this size
/// around costs a dozen reference-count operations per use.
public final class ViewLayout: Sendable {
    public let view: ViewSpec
    /// Index of the view's key field in the source schema.
    public let keyFieldIndex: Int
    public let groups: [TileGroup]
    public let plans: [FeaturePlan]
    /// Short fingerprint of the tile layout; the topology's fingerprint (in its Redis keys)
    /// combines those of its views, so state written under another layout is never decoded
    /// with this one.
    public let fingerprint: String
    /// The distinct (group, window) pairs of the features, each with the plans it serves.
    public let windows: [WindowPlan]
    /// The on-demand features, resolved against the schema and the stored features.
    public let onDemand: [OnDemandPlan]
    /// Stored feature names, then on-demand feature names: the columns of a feature vector.
    public let allFeatureNames: [String]

    public init(view: ViewSpec, source: SourceSpec) {
        self.view = view
        keyFieldIndex = source.fieldIndex(view.keyField) ?? 0
        var drafts: [TileGroup.Draft] = []
        var plans: [FeaturePlan] = []
        for feature in view.features {
            var groupIndex = drafts.firstIndex { $0.tileSize == feature.tile }
            if groupIndex == nil {
                drafts.append(TileGroup.Draft(tileSize: feature.tile))
                groupIndex = drafts.count - 1
            }
            let fieldIndex = feature.field.flatMap { source.fieldIndex($0) }
            plans.append(drafts[groupIndex!].plan(feature, fieldIndex: fieldIndex, group: groupIndex!))
        }
        let groups = drafts.map(TileGroup.init)
        self.groups = groups
        self.plans = plans
        var windows: [WindowPlan] = []
        for (index, plan) in plans.enumerated() {
            if let existing = windows.firstIndex(where: { $0.group == plan.group && $0.window == plan.feature.window })
            {
                windows[existing].plans.append(index)
            } else {
                windows.append(
                    WindowPlan(
                        group: plan.group, window: plan.feature.window, tileSize: plan.feature.tile, plans: [index]))
            }
        }
        self.windows = windows
        onDemand = view.onDemand.compactMap { spec in
            guard let input = source.fieldIndex(spec.input),
                let stored = view.features.firstIndex(where: { $0.name == spec.feature })
            else { return nil }
            return OnDemandPlan(spec: spec, inputField: input, storedFeature: stored, storedPlan: plans[stored])
        }
        allFeatureNames = view.features.map(\.name) + view.onDemand.map(\.name)
        fingerprint = Self.fingerprint(of: groups, source: source)
    }

    private static func fingerprint(of groups: [TileGroup], source: SourceSpec) -> String {
        var text = ""
        for group in groups {
            text += "g\(group.tileSize)|n\(group.numericFields)|d\(group.distinctFields)|l\(group.lastFields)|"
            for field in group.numericFields + group.distinctFields + group.lastFields {
                text += source.fields[field].name + ","
            }
        }
        return StableHash.fingerprint(text)
    }
}

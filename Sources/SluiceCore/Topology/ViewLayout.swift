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

/// Features of one view that share a tile size.
///
/// A class so that the per-event loops do not copy (and retain) its arrays, and immutable: they
/// read its fields for every event, and reading a class's `var` costs a run-time exclusivity
/// check each time.
public final class TileGroup: Sendable {
    public let tileSize: Int64
    /// Longest window of the group's features: tiles older than that behind the watermark are dropped.
    public let longestWindow: Int64
    /// Schema field indexes with numeric statistics.
    public let numericFields: [Int]
    /// Schema field indexes with distinct-value sketches.
    public let distinctFields: [Int]
    /// Schema field indexes whose newest value is kept.
    public let lastFields: [Int]
    /// The group's tiles of one partition are stored together, as one field of the entity's key
    /// (a tile run, `TileCodec.encodeRun`), rather than a field per tile: its tiles hold no
    /// distinct sets, so they stay a few dozen bytes each, and dropping an expired one then
    /// costs no delete command of its own (the run is rewritten when any of its tiles changes,
    /// which every event does).
    public var storesRun: Bool { distinctFields.isEmpty }

    /// A group while its features are planned.
    struct Draft {
        let tileSize: Int64
        var longestWindow: Int64 = 0
        var numericFields: [Int] = []
        var distinctFields: [Int] = []
        var lastFields: [Int] = []

        init(tileSize: Int64) { self.tileSize = tileSize }

        mutating func plan(_ feature: FeatureSpec, fieldIndex: Int?, group: Int) -> FeaturePlan {
            longestWindow = max(longestWindow, feature.window)
            var slot = 0
            switch feature.aggregation {
            case .count, .timeSinceLast:
                break
            case .sum, .mean, .min, .max, .stddev:
                slot = Self.slot(of: fieldIndex!, in: &numericFields)
            case .distinctCount:
                slot = Self.slot(of: fieldIndex!, in: &distinctFields)
            case .last:
                slot = Self.slot(of: fieldIndex!, in: &lastFields)
            }
            return FeaturePlan(feature: feature, group: group, slot: slot)
        }

        private static func slot(of field: Int, in fields: inout [Int]) -> Int {
            if let index = fields.firstIndex(of: field) { return index }
            fields.append(field)
            return fields.count - 1
        }
    }

    init(_ draft: Draft) {
        tileSize = draft.tileSize
        longestWindow = draft.longestWindow
        numericFields = draft.numericFields
        distinctFields = draft.distinctFields
        lastFields = draft.lastFields
        empty = TileAccumulator(
            numericSlots: numericFields.count, distinctSlots: distinctFields.count, lastSlots: lastFields.count)
    }

    /// An empty accumulator shaped for this group.
    public func emptyAccumulator() -> TileAccumulator { empty }

    /// Copied for every new tile: cheaper than making its slot arrays anew (each new array looks
    /// up its type's metadata at run time).
    private let empty: TileAccumulator

    /// The tile holding events at `time`.
    @inline(__always)
    public func tileIndex(of time: Int64) -> Int64 { floorDivide(time, tileSize) }

    /// Tiles a window of `window` read at `time` covers: floor((T-W)/g) ... floor(T/g).
    public func tiles(window: Int64, at time: Int64) -> ClosedRange<Int64> {
        Self.tiles(window: window, tileSize: tileSize, at: time)
    }

    @inline(__always)
    static func tiles(window: Int64, tileSize: Int64, at time: Int64) -> ClosedRange<Int64> {
        floorDivide(time - window, tileSize)...floorDivide(time, tileSize)
    }

    /// The oldest tile any read at or after `watermark` can cover.
    public func oldestReadableTile(watermark: Int64) -> Int64 {
        floorDivide(watermark - longestWindow, tileSize)
    }
}

/// An on-demand feature resolved: where its input is in the schema and which stored feature
/// (and, for `not_seen`, which tiles and sketch slot) it reads.
public struct OnDemandPlan: Sendable, Equatable {
    public let spec: OnDemandSpec
    public let inputField: Int
    /// Index of the stored feature in the view's features.
    public let storedFeature: Int
    public let storedPlan: FeaturePlan
}

/// One window length over one tile group, and the indexes of the plans read from it.
public struct WindowPlan: Sendable, Equatable {
    public let group: Int
    public let window: Int64
    /// The group's tile size, here too so that a read needs no trip to the group.
    public let tileSize: Int64
    public fileprivate(set) var plans: [Int]

    /// Tiles the window read at `time` covers.
    @inline(__always)
    public func tiles(at time: Int64) -> ClosedRange<Int64> {
        TileGroup.tiles(window: window, tileSize: tileSize, at: time)
    }
}

/// Where a feature's value comes from.
public struct FeaturePlan: Sendable, Equatable {
    public let feature: FeatureSpec
    public let group: Int
    /// Index into the group's numeric, distinct or last slots, by aggregation.
    public let slot: Int
}

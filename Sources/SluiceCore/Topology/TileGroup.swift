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

/// Computes a view's feature values at a read time from its tiles. The one implementation used by
/// every read: `sluice get`, the serving API and the offline feature log.
public enum FeatureCalculator {
    /// Feature values in the view's declaration order; nil where the feature is undefined (an
    /// empty window for mean, min, max, stddev, last and time since last). Tiles may come in any
    /// order. A window is merged partition by partition: each partition's tiles in tile order,
    /// then the partitions' parts in partition order, so results are reproducible to the bit and
    /// equal to the feature log's (see `WindowScratch`).
    public static func compute(_ layout: ViewLayout, tiles: [StoredTile], at time: Int64) -> [Double?] {
        var scratch = WindowScratch()
        var values: [Double?] = []
        compute(layout, tiles: tiles, at: time, scratch: &scratch, into: &values)
        return values
    }

    /// The same into `values`, with `scratch` reused between calls (`OnlineStore` keeps a few
    /// between lookups, so that a lookup sums its windows without setting up distinct unions).
    public static func compute(
        _ layout: ViewLayout, tiles: [StoredTile], at time: Int64, scratch: inout WindowScratch,
        into values: inout [Double?]
    ) {
        scratch.begin(layout)
        var order = scratch.order
        scratch.order = []
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: tiles.indices)
        tiles.withUnsafeBufferPointer { tiles in
            order.sort {
                (tiles[$0].group, tiles[$0].partition, tiles[$0].tile) < (
                    tiles[$1].group, tiles[$1].partition, tiles[$1].tile
                )
            }
            for (index, window) in layout.windows.enumerated() {
                scratch.windows[index].addStoredTiles(
                    tiles, order: order, group: window.group, in: window.tiles(at: time))
                scratch.windows[index].finish()
            }
        }
        scratch.order = order
        fillValues(layout, scratch: scratch, at: time, into: &values)
    }

    /// Feature values at `time` from the live tiles of an entity, which `sources` visits one
    /// partition at a time in ascending partition order: the same values, to the bit, as
    /// `compute(_:tiles:at:)` over the same tiles. The tiles keep the fold of each window's closed
    /// tiles for the next call. Used once per event by the feature log.
    public static func compute(
        _ layout: ViewLayout, at time: Int64, scratch: inout WindowScratch, into values: inout [Double?],
        sources: ((inout EntityTiles) -> Void) -> Void
    ) {
        scratch.begin(layout)
        sources { tiles in tiles.addWindows(layout, at: time, to: &scratch) }
        for index in layout.windows.indices { scratch.windows[index].finish() }
        fillValues(layout, scratch: scratch, at: time, into: &values)
    }

    /// The same, with each window's distinct counts taken from the entity's kept sets across
    /// partitions in `caches` (or counted from the tiles, and kept when worth it). The caller
    /// keeps the sets up to date with `EntityDistinctCaches.willApply` and `didApply`, and reads
    /// the entity's tiles only this way: their kept folds then leave distinct sketches out.
    public static func compute(
        _ layout: ViewLayout, at time: Int64, scratch: inout WindowScratch, into values: inout [Double?],
        distinctCaches caches: inout EntityDistinctCaches, sources: ((inout EntityTiles) -> Void) -> Void
    ) {
        scratch.begin(layout)
        sources { tiles in tiles.addWindows(layout, at: time, to: &scratch, distinct: false) }
        caches.prepare(layout)
        for (index, window) in layout.windows.enumerated() {
            guard scratch.windows[index].hasDistinct else {
                scratch.windows[index].finish()
                continue
            }
            let range = layout.groups[window.group].tiles(window: window.window, at: time)
            if caches.counts(
                window: index, group: window.group, range: range, into: &scratch.windows[index].distinctCounts,
                partitions: sources)
            {
                continue
            }
            sources { tiles in tiles.addDistinct(group: window.group, in: range, to: &scratch.windows[index]) }
            scratch.windows[index].finish()
            caches.counted(
                window: index, range: range, unions: scratch.windows[index].distinct,
                counts: scratch.windows[index].distinctCounts)
        }
        fillValues(layout, scratch: scratch, at: time, into: &values)
    }

    private static func fillValues(
        _ layout: ViewLayout, scratch: WindowScratch, at time: Int64, into values: inout [Double?]
    ) {
        values.removeAll(keepingCapacity: true)
        for _ in layout.plans { values.append(nil) }
        // Through buffer pointers, which lend their elements: an array's subscript would copy
        // each window's totals and plan (a retain per array and string they hold) per feature.
        layout.plans.withUnsafeBufferPointer { plans in
            scratch.windows.withUnsafeBufferPointer { totals in
                for (index, window) in layout.windows.enumerated() {
                    for planIndex in window.plans {
                        values[planIndex] = value(of: plans[planIndex], in: totals[index], at: time)
                    }
                }
            }
        }
    }

    /// The same over an array of live tiles, one per partition in ascending partition order.
    public static func compute(
        _ layout: ViewLayout, sources: inout [EntityTiles], at time: Int64, scratch: inout WindowScratch,
        into values: inout [Double?]
    ) {
        compute(layout, at: time, scratch: &scratch, into: &values) { visit in
            for index in sources.indices { visit(&sources[index]) }
        }
    }

    // MARK: - On-demand features

    /// On-demand feature values (the view's `onDemand` order) from the stored feature values at
    /// the same time, the request's (or event's) input values by schema index (nil: not given),
    /// and a membership test over the window's tiles for `not_seen`. The one implementation used
    /// by the serving API and the feature log.
    public static func onDemand(
        _ layout: ViewLayout, stored: [Double?], input: (Int) -> FieldValue?,
        windowContains: (OnDemandPlan, UInt64) -> Bool?
    ) -> [Double?] {
        layout.onDemand.map { plan in
            guard let value = input(plan.inputField), !value.isNull else { return nil }
            switch plan.spec.kind {
            case .ratio:
                guard let numerator = value.doubleValue, let denominator = stored[plan.storedFeature], denominator != 0
                else { return nil }
                return numerator / denominator
            case .notSeen:
                return windowContains(plan, StableHash.hash(value)).map { $0 ? 0 : 1 }
            }
        }
    }

    /// Whether a hash is in the window's distinct sketches (stored tiles): true if any exact
    /// sketch holds it, nil if not and some tile is a HyperLogLog, else false.
    public static func windowContains(
        _ plan: OnDemandPlan, hash: UInt64, tiles: [StoredTile], layout: ViewLayout, at time: Int64
    ) -> Bool? {
        let range = layout.groups[plan.storedPlan.group].tiles(window: plan.storedPlan.feature.window, at: time)
        var unknown = false
        for tile in tiles where tile.group == plan.storedPlan.group && range.contains(tile.tile) {
            switch tile.accumulator.distinct[plan.storedPlan.slot].contains(hash) {
            case true?: return true
            case nil: unknown = true
            case false?: break
            }
        }
        return unknown ? nil : false
    }

    /// The same over the live tiles of an entity, visited one partition at a time.
    public static func windowContains(
        _ plan: OnDemandPlan, hash: UInt64, layout: ViewLayout, at time: Int64,
        sources: ((inout EntityTiles) -> Void) -> Void
    ) -> Bool? {
        let range = layout.groups[plan.storedPlan.group].tiles(window: plan.storedPlan.feature.window, at: time)
        var found = false
        var unknown = false
        sources { tiles in
            guard !found else { return }
            let run = tiles.run(plan.storedPlan.group)
            for position in run.positions(in: range) {
                switch run[position].accumulator.distinct[plan.storedPlan.slot].contains(hash) {
                case true?:
                    found = true
                    return
                case nil: unknown = true
                case false?: break
                }
            }
        }
        return found ? true : unknown ? nil : false
    }

    /// The newest event time among the tiles, nil when there are none.
    public static func newestEventTime(_ tiles: [StoredTile]) -> Int64? {
        tiles.withUnsafeBufferPointer { tiles in
            var newest: Int64?
            for index in tiles.indices where tiles[index].accumulator.hasLast {
                newest = max(newest ?? .min, tiles[index].accumulator.lastTime)
            }
            return newest
        }
    }

    /// The one definition of every aggregation's value over a window's totals, whichever way the
    /// totals were summed (merged accumulators for reads, `WindowTotals` for the feature log).
    /// Generic rather than taking closures, so that it is specialised for each and never copies
    /// the totals (a closure context would, with a retain per array, for every feature).
    static func value(of plan: FeaturePlan, in window: borrowing some WindowValues, at time: Int64) -> Double? {
        switch plan.feature.aggregation {
        case .count:
            return Double(window.count)
        case .sum:
            let stats = window.numeric(plan.slot)
            return stats.count > 0 ? stats.sum : 0
        case .mean:
            return window.numeric(plan.slot).mean
        case .min:
            let stats = window.numeric(plan.slot)
            return stats.count > 0 ? stats.minimum : nil
        case .max:
            let stats = window.numeric(plan.slot)
            return stats.count > 0 ? stats.maximum : nil
        case .stddev:
            return window.numeric(plan.slot).standardDeviation
        case .distinctCount:
            return window.distinctCount(plan.slot)
        case .last:
            return window.newestEventTime == nil ? nil : window.lastValue(plan.slot)
        case .timeSinceLast:
            return window.newestEventTime.map { Double(max(0, time - $0)) / 1000 }
        }
    }
}

/// A window's totals as the aggregations read them.
protocol WindowValues {
    var count: Int64 { get }
    func numeric(_ slot: Int) -> NumericStats
    func distinctCount(_ slot: Int) -> Double
    /// The newest event's time, nil for an empty window.
    var newestEventTime: Int64? { get }
    func lastValue(_ slot: Int) -> Double?
}

extension TileAccumulator: WindowValues {
    func numeric(_ slot: Int) -> NumericStats { numeric[slot] }
    func distinctCount(_ slot: Int) -> Double { distinct[slot].count }
    var newestEventTime: Int64? { hasLast ? lastTime : nil }
    func lastValue(_ slot: Int) -> Double? { lastValues[slot].doubleValue }
}

extension WindowTotals: WindowValues {
    func numeric(_ slot: Int) -> NumericStats { numeric[slot] }
    func distinctCount(_ slot: Int) -> Double { distinctCounts[slot] }
    var newestEventTime: Int64? { hasNewest ? newestTime : nil }
    func lastValue(_ slot: Int) -> Double? { newestValues[slot].doubleValue }
}

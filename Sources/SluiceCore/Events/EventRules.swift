/// The per-event decisions shared by the live engine and by replay, so that both compute the
/// same thing from the same events: which views an event is late for, and the feature-log row
/// that describes the state just before the event is applied.
public struct EventRules: Sendable {
    public let layouts: [ViewLayout]
    public let logLayout: FeatureLogLayout
    /// A late mask with every view's bit set.
    public let allViewsMask: UInt64
    private let eventIDField: Int

    public init(topology: Topology, layouts: [ViewLayout]) {
        precondition(layouts.count <= 64, "a topology has at most 64 views")
        self.layouts = layouts
        self.logLayout = FeatureLogLayout(topology: topology)
        self.allViewsMask = layouts.count == 64 ? .max : (1 << UInt64(layouts.count)) - 1
        self.eventIDField = topology.source.fieldIndex(topology.source.eventIdField) ?? 0
    }

    /// Bit v set: the event is older than view v's watermark in its partition and does not
    /// update that view. An event late for every view is rejected as `late`.
    public func lateMask(eventTime: Int64, clock: PartitionClock) -> UInt64 {
        var late: UInt64 = 0
        for (index, layout) in layouts.enumerated() where clock.isLate(eventTime, lateness: layout.view.allowedLateness)
        {
            late |= 1 << UInt64(index)
        }
        return late
    }

    /// The lowest watermark over the views, for the `late` rejection's detail.
    public func watermark(clock: PartitionClock) -> Int64 {
        layouts.map { clock.watermark(lateness: $0.view.allowedLateness) }.min() ?? .min
    }

    /// The entity id of `event` in view `view`.
    @inline(__always)
    public func entity(of event: DecodedEvent, view: Int) -> String {
        event.values[layouts[view].keyFieldIndex].stringValue ?? ""
    }

    /// View `view`'s part of an event's feature-log row, appended to `features`: its features at
    /// the event time from the entity's tiles as `partitions` visits them (one `EntityTiles` per
    /// source partition, in ascending partition order), then its on-demand features with the
    /// event's own fields as the request inputs a scoring call would have sent. Views are
    /// independent, so replay computes them on several threads.
    ///
    /// The engine and replay both log through here, then `apply` the event, so that their rows
    /// cannot differ. `distinctCaches`: the entity's distinct sets kept from event to event
    /// (replay, which holds every partition of an entity together; see
    /// `FeatureCalculator.compute(_:at:scratch:into:distinctCaches:sources:)`), or nil to count
    /// distinct values from the tiles (the engine, whose partitions' tiles are kept apart). The
    /// values are the same either way; an entity must be read and applied with the same choice.
    public func appendLogFeatures(
        view index: Int, of event: DecodedEvent, to features: inout [Double?], scratch: inout [Double?],
        windows: inout WindowScratch, distinctCaches: inout EntityDistinctCaches?,
        partitions: ((inout EntityTiles) -> Void) -> Void
    ) {
        appendLogFeatures(view: index, of: event, to: &features, scratch: &scratch, partitions: partitions) {
            layout, stored in
            if distinctCaches != nil {
                FeatureCalculator.compute(
                    layout, at: event.eventTime, scratch: &windows, into: &stored, distinctCaches: &distinctCaches!,
                    sources: partitions)
            } else {
                FeatureCalculator.compute(
                    layout, at: event.eventTime, scratch: &windows, into: &stored, sources: partitions)
            }
        }
    }

    private func appendLogFeatures(
        view index: Int, of event: DecodedEvent, to features: inout [Double?], scratch: inout [Double?],
        partitions: ((inout EntityTiles) -> Void) -> Void, storedFeatures: (ViewLayout, inout [Double?]) -> Void
    ) {
        let layout = layouts[index]
        storedFeatures(layout, &scratch)
        features.append(contentsOf: scratch)
        if !layout.onDemand.isEmpty {
            let contains: (OnDemandPlan, UInt64) -> Bool? = { plan, hash in
                FeatureCalculator.windowContains(
                    plan, hash: hash, layout: layout, at: event.eventTime, sources: partitions)
            }
            features += FeatureCalculator.onDemand(
                layout, stored: scratch, input: { event.values[$0] }, windowContains: contains)
        }
    }

    /// The number of features `appendLogFeatures` appends for view `view`.
    public func logFeatureCount(view index: Int) -> Int {
        layouts[index].plans.count + layouts[index].onDemand.count
    }

    /// The feature-log row of an event whose features (every view's, in view order) are known.
    public func logRow(_ event: DecodedEvent, partition: Int32, offset: Int64, features: [Double?]) -> FeatureLogRow {
        FeatureLogRow(
            eventID: event.values[eventIDField].stringValue ?? "", eventTime: event.eventTime,
            keys: logLayout.keyFields.map { event.values[$0].stringValue }, partition: partition, offset: offset,
            features: features)
    }

    /// Applies an accepted event to the entity's tiles of its partition in view `view`, pruning
    /// with the partition's watermark after the event (`newestEventTime` includes it), and keeps
    /// the entity's distinct sets (`appendLogFeatures`), if any, up to date. Returns whether the
    /// tiles just became dirty.
    @discardableResult
    @inline(__always)
    public func apply(
        _ event: DecodedEvent, to tiles: inout EntityTiles, view: Int, partition: Int32, offset: Int64,
        newestEventTime: Int64, distinctCaches: inout EntityDistinctCaches?
    ) -> Bool {
        let layout = layouts[view]
        let watermark = newestEventTime - layout.view.allowedLateness
        distinctCaches?.willApply(event, to: tiles, layout: layout)
        let becameDirty = tiles.apply(event, partition: partition, offset: offset, layout: layout, watermark: watermark)
        distinctCaches?.didApply(layout: layout, watermark: watermark)
        return becameDirty
    }

    /// `apply` for an entity without distinct sets.
    @discardableResult
    @inline(__always)
    public func apply(
        _ event: DecodedEvent, to tiles: inout EntityTiles, view: Int, partition: Int32, offset: Int64,
        newestEventTime: Int64
    ) -> Bool {
        var noDistinctCaches: EntityDistinctCaches? = nil
        return apply(
            event, to: &tiles, view: view, partition: partition, offset: offset, newestEventTime: newestEventTime,
            distinctCaches: &noDistinctCaches)
    }
}

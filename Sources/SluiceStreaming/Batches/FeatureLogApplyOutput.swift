import SluiceCore
import SluiceOnlineStore

/// The apply task of one view across every owned partition, with the feature log: each event's
/// features of the view are computed from the state just before it (every partition's tiles of
/// its entity), then the event is applied; the changed entities are encoded at the end.
final class FeatureLogApplyOutput: ApplyOutput {
    /// Entities whose tiles the batch changed.
    private var dirty: [(partition: Int32, entities: ViewEntities, slot: Int32)] = []
    /// The view's features of every event of the batch, `width` per event.
    private var features: [Double?] = []
    private var width = 0
    private var scratch: [Double?] = []
    private var windows = WindowScratch()

    /// Goes through every event of the batch in order: logs its features of the view, then
    /// applies it unless it is late for the view.
    func apply(
        _ accepted: [AcceptedEvent], job: ApplyJob, rules: EventRules, keys: OnlineStoreLayout,
        now: ContinuousClock.Instant
    ) {
        let started = beginBatch()
        dirty.removeAll(keepingCapacity: true)
        features.removeAll(keepingCapacity: true)
        width = rules.logFeatureCount(view: job.view)
        let layout = rules.layouts[job.view]
        let bit: UInt64 = 1 << UInt64(job.view)
        let keyPrefix = Array(keys.entityKeyPrefix(view: layout).utf8)
        // An entity's tiles are kept per partition, apart: distinct values are counted from them.
        var noDistinctCaches: EntityDistinctCaches? = nil
        for row in job.rows.lazy.map(Int.init) {
            let item = accepted[row]
            guard let entities = job.entities(of: item.partition) else { continue }
            let entity = rules.entity(of: item.event, view: job.view)
            rules.appendLogFeatures(
                view: job.view, of: item.event, to: &features, scratch: &scratch, windows: &windows,
                distinctCaches: &noDistinctCaches
            ) { visit in
                for (_, owned) in job.partitions {
                    if let slot = owned.slot(of: entity) { owned.inPlace(at: slot) { visit(&$0.tiles) } }
                }
            }
            guard item.late & bit == 0 else { continue }
            let slot = entities.slot(of: entity)!
            if applyOrSkip(
                item, at: slot, of: entities, view: job.view, layout: layout, rules: rules, keyPrefix: keyPrefix,
                now: now
            ) {
                dirty.append((item.partition, entities, slot))
            }
        }
        for (partition, entities, slot) in dirty {
            encodeChanges(at: slot, of: entities, layout: layout, partition: partition, keyPrefix: keyPrefix, now: now)
        }
        endBatch(started: started)
    }

    /// Appends the view's features of the batch's `row`-th event.
    func appendFeatures(ofRow row: Int, to values: inout [Double?]) {
        values.append(contentsOf: features[row * width..<(row + 1) * width])
    }
}

import SluiceCore
import SluiceOnlineStore
import SluiceRedis
import SluiceRuntime

/// What one apply task wrote: its Redis commands, kept from batch to batch, and the step every
/// task takes per event (apply it, or skip it when the stored tiles already hold it). The two
/// ways of going through a batch are its subclasses, `PartitionApplyOutput` and
/// `FeatureLogApplyOutput`.
class ApplyOutput {
    var pipeline = RedisPipeline(reservingCapacity: 1 << 16)
    private(set) var time = TaskTime()
    private var encoder = TileWriteEncoder()
    /// Events of the last batch that the stored tiles already held.
    private(set) var alreadyApplied = 0

    /// Starts a batch: empties the commands and counts.
    final func beginBatch() -> ContinuousClock.Instant {
        pipeline.removeAll()
        alreadyApplied = 0
        return .now
    }

    final func endBatch(started: ContinuousClock.Instant) { time.record(since: started) }

    /// Applies `item` to the entity at `slot`, or, when the entity's stored tiles already hold
    /// it (written before a crash, ahead of the partition's progress: docs/storage.md), skips
    /// it and refreshes the key's TTL, which may have been missed then. Returns whether the
    /// entity's tiles just became dirty.
    @inline(__always)
    final func applyOrSkip(
        _ item: AcceptedEvent, at slot: Int32, of entities: ViewEntities, view: Int, layout: ViewLayout,
        rules: EventRules,
        keyPrefix: [UInt8], now: ContinuousClock.Instant
    ) -> Bool {
        if entities.inPlace(at: slot, { $0.tiles.holdsEvent(at: item.offset) }) {
            alreadyApplied += 1
            if entities.needsTTLRefresh(at: slot, ttl: layout.view.ttl, now: now) {
                encoder.appendExpire(
                    entity: entities.entries[Int(slot)].entity, layout: layout, keyPrefix: keyPrefix, into: &pipeline)
            }
            // A partition's events come in offset order: when an entity's last one is held, so
            // were the earlier ones, which changed nothing, and encoding it writes nothing.
            return false
        }
        return entities.inPlace(at: slot) {
            rules.apply(
                item.event, to: &$0.tiles, view: view, partition: item.partition, offset: item.offset,
                newestEventTime: item.newestAfter)
        }
    }

    /// Writes the changes of the entity at `slot` to `pipeline`, setting its key's TTL when the
    /// tiles were written and this process has not set it lately.
    final func encodeChanges(
        at slot: Int32, of entities: ViewEntities, layout: ViewLayout, partition: Int32, keyPrefix: [UInt8],
        now: ContinuousClock.Instant
    ) {
        let wroteTiles = entities.inPlace(at: slot) { cached in
            encoder.encode(
                entity: cached.entity, tiles: &cached.tiles, layout: layout, partition: partition, keyPrefix: keyPrefix,
                into: &pipeline)
        }
        // The TTL only needs refreshing now and then: a key written recently by this process
        // still has most of its TTL left.
        if wroteTiles && entities.needsTTLRefresh(at: slot, ttl: layout.view.ttl, now: now) {
            encoder.appendExpire(layout, into: &pipeline)
        }
    }
}

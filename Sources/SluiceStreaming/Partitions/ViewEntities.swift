import SluiceCore

/// One view's entities of one partition. A class of its own so that batches can apply events to
/// several views and partitions at once, each from one thread.
///
/// Threads: a batch's apply tasks run on several threads (`ParallelTasks`), but no two tasks of
/// a batch touch the same `ViewEntities` (a task owns one view of one partition, or with the
/// feature log one view of every partition), and the engine thread touches them only between
/// batches, after `ParallelTasks.run` returned.
final class ViewEntities {
    /// The cached entities, each at a fixed place (its slot) until the cache is dropped: a batch
    /// looks each event's entity up once, when it makes sure it is cached, and its apply tasks
    /// go to the slot directly.
    private(set) var entries: [CachedEntity] = []
    private var slots: [String: Int32] = [:]

    struct CachedEntity {
        let entity: String
        var tiles: EntityTiles
        /// When this process last set the TTL of the entity's key.
        var ttlSetAt: ContinuousClock.Instant?
    }

    var count: Int { entries.count }

    /// Caches an entity not cached yet; returns its slot.
    func insert(_ tiles: EntityTiles, for entity: String) -> Int32 {
        let slot = Int32(entries.count)
        entries.append(CachedEntity(entity: entity, tiles: tiles))
        slots[entity] = slot
        return slot
    }

    /// The entity's slot, if it is cached.
    func slot(of entity: String) -> Int32? { slots[entity] }

    /// Whether the key's TTL should be set in this batch: never set by this process, or set more
    /// than a tenth of the TTL ago. Forgotten with the cache, which only makes it set again.
    func needsTTLRefresh(at slot: Int32, ttl: Int64, now: ContinuousClock.Instant) -> Bool {
        inPlace(at: slot) { entity in
            if let last = entity.ttlSetAt, now - last < .milliseconds(ttl / 10) { return false }
            entity.ttlSetAt = now
            return true
        }
    }

    /// Reads or changes the cached entity at `slot` in place. Reading `entries[slot]` as a value
    /// copies the entity (a retain and release of every array it holds) on every event; the
    /// mutating accessor lends it.
    @inline(__always)
    func inPlace<Result>(at slot: Int32, _ body: (inout CachedEntity) -> Result) -> Result {
        body(&entries[Int(slot)])
    }

    func removeAll() {
        entries.removeAll()
        slots.removeAll()
    }
}

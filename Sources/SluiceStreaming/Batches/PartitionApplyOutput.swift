import SluiceCore
import SluiceOnlineStore

/// The apply task of one view of one partition, without the feature log. An entity's changes
/// are encoded right after its last event of the batch, while its tiles are still in the
/// processor's caches.
final class PartitionApplyOutput: ApplyOutput {
    /// Per position in `job.rows`: whether it is its entity's last event of the batch, found in a
    /// backward pass that stamps each slot with the batch number.
    private var isLastOfEntity: [Bool] = []
    private var slotStamps: [UInt32] = []
    private var stamp: UInt32 = 0

    /// Goes through the job's partition's events (`job.rows`) in order, applies those not late
    /// for the view, and writes each touched entity's changed tiles after its last event.
    /// `slots`: `AdmittedBatch.entitySlots`.
    func apply(
        _ accepted: [AcceptedEvent], slots: [Int32], job: ApplyJob, rules: EventRules, keys: OnlineStoreLayout,
        now: ContinuousClock.Instant
    ) {
        let started = beginBatch()
        let layout = rules.layouts[job.view]
        let bit: UInt64 = 1 << UInt64(job.view)
        let viewCount = rules.layouts.count
        let keyPrefix = Array(keys.entityKeyPrefix(view: layout).utf8)
        guard let (partition, entities) = job.partitions.first else { return endBatch(started: started) }
        findLastEvents(slots: slots, job: job, entities: entities, viewCount: viewCount)
        for (position, row) in job.rows.lazy.map(Int.init).enumerated() {
            let item = accepted[row]
            guard item.late & bit == 0 else { continue }
            let slot = slots[row * viewCount + job.view]
            _ = applyOrSkip(
                item, at: slot, of: entities, view: job.view, layout: layout, rules: rules, keyPrefix: keyPrefix,
                now: now
            )
            if isLastOfEntity[position] {
                encodeChanges(
                    at: slot, of: entities, layout: layout, partition: partition, keyPrefix: keyPrefix, now: now)
            }
        }
        endBatch(started: started)
    }

    /// Marks in `isLastOfEntity` the positions in `job.rows` of the last event (not late for the
    /// view) of each entity.
    private func findLastEvents(slots: [Int32], job: ApplyJob, entities: ViewEntities, viewCount: Int) {
        isLastOfEntity.removeAll(keepingCapacity: true)
        isLastOfEntity.append(contentsOf: repeatElement(false, count: job.rows.count))
        if slotStamps.count < entities.count {
            slotStamps.append(contentsOf: repeatElement(0, count: entities.count - slotStamps.count))
        }
        stamp &+= 1
        if stamp == 0 {
            // Wrapped around: no slot may keep a stamp from 2^32 batches ago.
            for index in slotStamps.indices { slotStamps[index] = 0 }
            stamp = 1
        }
        for position in job.rows.indices.reversed() {
            let slot = slots[Int(job.rows[position]) * viewCount + job.view]
            guard slot >= 0, slotStamps[Int(slot)] != stamp else { continue }
            slotStamps[Int(slot)] = stamp
            isLastOfEntity[position] = true
        }
    }
}

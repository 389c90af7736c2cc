import Logging
import SluiceCore
import SluiceOnlineStore
import SluiceRuntime

/// Applies batches to the online store only. Each (view, partition) pair is a task: it sees its
/// partition's events in offset order, which is all its state depends on.
final class PartitionBatchApplier: BatchApplier {
    private let rules: EventRules
    private var outputs: [PartitionApplyOutput] = []

    init(rules: EventRules) { self.rules = rules }

    var writesAtomically: Bool { false }

    func cacheEntities(
        of batch: inout AdmittedBatch, partitions: [Int32: PartitionState], missing: inout [EntityRef: Set<Int32>]
    ) {
        let layouts = rules.layouts
        batch.entitySlots.removeAll(keepingCapacity: true)
        batch.entitySlots.reserveCapacity(batch.accepted.count * layouts.count)
        for item in batch.accepted {
            let state = partitions[item.partition]!
            for (viewIndex, layout) in layouts.enumerated() {
                guard item.late & (1 << UInt64(viewIndex)) == 0 else {
                    batch.entitySlots.append(-1)
                    continue
                }
                let entity = item.event.values[layout.keyFieldIndex].stringValue!
                batch.entitySlots.append(
                    state.cacheSlot(of: entity, view: viewIndex, groupCount: layout.groups.count, missing: &missing))
            }
        }
    }

    func apply(
        _ batch: AdmittedBatch, partitions: [Int32: PartitionState], tasks: ParallelTasks, keys: OnlineStoreLayout,
        now: ContinuousClock.Instant
    ) -> [(view: Int, output: ApplyOutput)] {
        // Each task goes through its partition's events only, not the whole batch.
        let touched = batch.touchedPartitions.sorted()
        let indexOf = Dictionary(uniqueKeysWithValues: touched.enumerated().map { ($1, $0) })
        var rowsOf = Array(repeating: [Int32](), count: touched.count)
        for (row, item) in batch.accepted.enumerated() { rowsOf[indexOf[item.partition]!].append(Int32(row)) }
        let jobs = rules.layouts.indices.flatMap { view in
            touched.indices.map { index in
                ApplyJob(
                    view: view, partitions: [(touched[index], partitions[touched[index]]!.views[view])],
                    rows: rowsOf[index])
            }
        }
        while outputs.count < jobs.count { outputs.append(PartitionApplyOutput()) }
        let accepted = batch.accepted
        let slots = batch.entitySlots
        let outputs = outputs
        let rules = rules
        tasks.run(order: ApplyOutput.longestFirst(outputs, count: jobs.count)) { index in
            outputs[index].apply(accepted, slots: slots, job: jobs[index], rules: rules, keys: keys, now: now)
        }
        return jobs.indices.map { (jobs[$0].view, outputs[$0]) }
    }

    func open(partition: Int32, resumeAt nextOffset: Int64) {}
    func close(partition: Int32) {}
    func persistPending() {}
    func commitWritten() {}
    func discardUnwritten() {}
    func rollDue(force: Bool) {}
    func finishRun(logger: Logger) {}
}

import Logging
import SluiceCore
import SluiceOffline
import SluiceOnlineStore
import SluiceRuntime

/// Applies batches to the online store and writes the feature log: one row per accepted event
/// with every view's features just before it. A row reads a view across partitions, so each
/// view is a task that goes through the whole batch in order, over the tiles of every owned
/// partition; the rows are put together once all views are done.
final class FeatureLogBatchApplier: BatchApplier {
    private let rules: EventRules
    private let log: FeatureLogWriter
    private var outputs: [FeatureLogApplyOutput] = []

    init(rules: EventRules, log: FeatureLogWriter) {
        self.rules = rules
        self.log = log
    }

    /// With a feature log, rows of replayed events need the state from just before them. On one
    /// Redis, whole-batch transactions guarantee it; on a cluster, which has none across keys,
    /// the log keeps the staged rows of a batch that may be partly written and the replay logs
    /// no row for them (`FeatureLogOptions.rowsPastProgress`).
    var writesAtomically: Bool { log.options.rowsPastProgress == .dropped }

    func cacheEntities(
        of batch: inout AdmittedBatch, partitions: [Int32: PartitionState], missing: inout [EntityRef: Set<Int32>]
    ) {
        // The log reads every view of every event across all partitions of this process, so
        // each of them must hold the entity's stored tiles.
        batch.entitySlots.removeAll(keepingCapacity: true)
        let owned = partitions.values.filter(\.machine.isPositioned)
        for item in batch.accepted {
            for (viewIndex, layout) in rules.layouts.enumerated() {
                let entity = rules.entity(of: item.event, view: viewIndex)
                for state in owned {
                    _ = state.cacheSlot(of: entity, view: viewIndex, groupCount: layout.groups.count, missing: &missing)
                }
            }
        }
    }

    func apply(
        _ batch: AdmittedBatch, partitions: [Int32: PartitionState], tasks: ParallelTasks, keys: OnlineStoreLayout,
        now: ContinuousClock.Instant
    ) -> [(view: Int, output: ApplyOutput)] {
        let owned = partitions.values.filter(\.machine.isPositioned).sorted { $0.partition < $1.partition }
        let rows = Array(Int32(0)..<Int32(batch.accepted.count))
        let jobs = rules.layouts.indices.map { view in
            ApplyJob(view: view, partitions: owned.map { ($0.partition, $0.views[view]) }, rows: rows)
        }
        while outputs.count < jobs.count { outputs.append(FeatureLogApplyOutput()) }
        let accepted = batch.accepted
        let outputs = outputs
        let rules = rules
        tasks.run(order: ApplyOutput.longestFirst(outputs, count: jobs.count)) { index in
            outputs[index].apply(accepted, job: jobs[index], rules: rules, keys: keys, now: now)
        }
        for (row, item) in accepted.enumerated() {
            var features: [Double?] = []
            features.reserveCapacity(rules.logLayout.featureNames.count)
            for index in jobs.indices { outputs[index].appendFeatures(ofRow: row, to: &features) }
            log.append(rules.logRow(item.event, partition: item.partition, offset: item.offset, features: features))
        }
        return jobs.indices.map { (jobs[$0].view, outputs[$0]) }
    }

    func open(partition: Int32, resumeAt nextOffset: Int64) throws {
        try log.open(partition: partition, resumeAt: nextOffset)
    }

    func close(partition: Int32) { log.close(partition: partition) }

    func persistPending() throws { try log.persistPending() }

    func commitWritten() throws { try log.commitInFlight() }

    func discardUnwritten() { log.discardUncommitted() }

    func rollDue(force: Bool) throws { try log.rollDue(force: force) }

    func finishRun(logger: Logger) {
        do {
            try log.rollDue(force: true)
            logger.info("feature log written", metadata: ["rows": "\(log.rowsRolled)", "files": "\(log.filesWritten)"])
        } catch {
            logger.error(
                "feature log not rolled at shutdown; its staged rows are kept for the next run",
                metadata: ["error": "\(error)"])
        }
        log.waitForCheckpoints()
    }
}

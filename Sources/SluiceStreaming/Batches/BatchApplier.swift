import Logging
import SluiceCore
import SluiceOnlineStore
import SluiceRuntime

/// How a batch's accepted events become writes to the online store, and what else the engine
/// keeps in step with them. Two implementations: `PartitionBatchApplier` (the online store
/// only) and `FeatureLogBatchApplier` (also the offline feature log, whose rows need each
/// event's features from the state just before it).
///
/// Called on the engine's thread; `apply` runs its tasks on `ParallelTasks`' threads too.
protocol BatchApplier: AnyObject {
    /// Whether a batch's writes must land as one MULTI/EXEC (readers of the state then never
    /// see a batch half applied), or may go as a pipeline that Redis interleaves with lookups.
    var writesAtomically: Bool { get }

    /// Gives every entity the batch's events touch a cache slot where the apply tasks find it,
    /// adding to `missing` those whose stored tiles must be read from Redis first (with the
    /// partitions whose tiles are wanted).
    func cacheEntities(
        of batch: inout AdmittedBatch, partitions: [Int32: PartitionState], missing: inout [EntityRef: Set<Int32>])

    /// Applies the batch's events to the cached tiles on every core and returns the tasks'
    /// outputs, whose pipelines hold the batch's commands, with each task's view.
    func apply(
        _ batch: AdmittedBatch, partitions: [Int32: PartitionState], tasks: ParallelTasks, keys: OnlineStoreLayout,
        now: ContinuousClock.Instant
    ) -> [(view: Int, output: ApplyOutput)]

    // MARK: Feature log lifecycle (nothing to do without one)

    /// A partition is (re)positioned at `nextOffset`.
    func open(partition: Int32, resumeAt nextOffset: Int64) throws
    /// A partition was revoked.
    func close(partition: Int32)
    /// Before the batch's write is submitted: make what it logs durable.
    func persistPending() throws
    /// The batch's write landed.
    func commitWritten() throws
    /// The batch's write was lost.
    func discardUnwritten()
    /// Rolls what is due (by size or age; everything with `force`).
    func rollDue(force: Bool) throws
    /// The run ends: roll everything that can be rolled.
    func finishRun(logger: Logger)
}

extension PartitionState {
    /// The cache slot of `entity` in view `view`, made when it is not cached. A new entity is
    /// noted in `missing` unless this partition's cache covers every entity (it is then empty);
    /// until its stored tiles are read it holds none (a failed read drops the whole cache).
    func cacheSlot(of entity: String, view: Int, groupCount: Int, missing: inout [EntityRef: Set<Int32>]) -> Int32 {
        if let slot = views[view].slot(of: entity) { return slot }
        if machine.coverage != .everyEntity {
            missing[EntityRef(view: view, entity: entity), default: []].insert(partition)
        }
        return views[view].insert(EntityTiles(groupCount: groupCount), for: entity)
    }
}

extension ApplyOutput {
    /// The order in which to start tasks: longest last time first, which keeps every thread
    /// busy to the end.
    static func longestFirst(_ outputs: [ApplyOutput], count: Int) -> [Int] {
        (0..<count).sorted { outputs[$0].time.last > outputs[$1].time.last }
    }
}

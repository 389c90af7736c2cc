import SluiceCore
import SluiceOnlineStore

/// What the engine knows about one assigned partition's progress, as a state machine with no
/// side effects: the engine feeds it the partition's events (positioned, a message, its end,
/// a batch written, a batch lost) and carries out the actions it returns.
///
/// Offsets: `nextOffset` is the next message to process (what the batch being built has
/// reached); `committedOffset` is where the last written batch left the store, where a lost
/// batch resumes.
struct PartitionStateMachine {
    enum State: Equatable {
        /// Assigned, but not positioned at its stored progress yet: its messages are skipped.
        case awaitingPosition
        /// Positioned; more messages may come.
        case reading(CacheCoverage)
        /// Positioned, and the partition's end was reached at `nextOffset`.
        case caughtUp(CacheCoverage)
    }

    /// Which entities of the partition the engine's cache can vouch for.
    enum CacheCoverage: Equatable {
        /// The store holds no tile of this partition (it was positioned with no stored progress
        /// and its cache has not been dropped since): an entity not cached is empty, and need not
        /// be read from Redis.
        case everyEntity
        /// Entities not cached must be read from the store.
        case cachedEntitiesOnly
    }

    /// What the engine does with a message of this partition.
    enum MessageAction: Equatable {
        case process
        /// Before the partition was positioned, or already processed (a fetch from before a seek).
        case skip
    }

    /// What the engine does after a transition that changes what the cache may hold.
    enum CacheAction: Equatable {
        /// Empty the partition's cached entities.
        case dropCache
    }

    private(set) var state: State = .awaitingPosition
    private(set) var nextOffset: Int64 = 0
    /// The partition's event-time clock as of `nextOffset`.
    var clock = PartitionClock()
    private(set) var committedOffset: Int64 = 0
    private var committedClock = PartitionClock()

    var isPositioned: Bool { state != .awaitingPosition }

    var isCaughtUp: Bool {
        if case .caughtUp = state { return true }
        return false
    }

    var coverage: CacheCoverage {
        switch state {
        case .awaitingPosition: .cachedEntitiesOnly
        case .reading(let coverage), .caughtUp(let coverage): coverage
        }
    }

    /// The partition starts over at its stored progress: what the store holds is all there is.
    mutating func position(at progress: StoredProgress) -> CacheAction {
        nextOffset = progress.nextOffset
        clock = PartitionClock(newestEventTime: progress.newestEventTime)
        committedOffset = nextOffset
        committedClock = clock
        state = .reading(progress.isStored ? .cachedEntitiesOnly : .everyEntity)
        return .dropCache
    }

    /// A message at `offset` arrived; when it is processed, the partition moves past it.
    mutating func receive(offset: Int64) -> MessageAction {
        switch state {
        case .awaitingPosition:
            return .skip
        case .reading(let coverage), .caughtUp(let coverage):
            guard offset >= nextOffset else { return .skip }
            nextOffset = offset + 1
            state = .reading(coverage)
            return .process
        }
    }

    /// The consumer reported the partition's end at `offset` (after the messages it delivered
    /// before). A report from before the last processed message is stale and ignored.
    mutating func reachedEnd(at offset: Int64) {
        guard case .reading(let coverage) = state, offset >= nextOffset else { return }
        state = .caughtUp(coverage)
    }

    /// A batch that took the partition to `nextOffset` with `clock` is written.
    mutating func written(nextOffset: Int64, clock: PartitionClock) {
        committedOffset = nextOffset
        committedClock = clock
    }

    /// A batch was lost: everything not written is forgotten, and the partition must be
    /// positioned again.
    mutating func lost() -> CacheAction {
        state = .awaitingPosition
        nextOffset = committedOffset
        clock = committedClock
        return .dropCache
    }

    /// The cache was dropped to save memory: entities not cached must be read again.
    mutating func cacheDropped() {
        switch state {
        case .awaitingPosition: break
        case .reading: state = .reading(.cachedEntitiesOnly)
        case .caughtUp: state = .caughtUp(.cachedEntitiesOnly)
        }
    }
}

/// Tumbling event-time windows of `size` milliseconds, [start, start + size) with start a
/// multiple of size, closed by a watermark: the smallest, over the active partitions, of the
/// newest event time minus the allowed lateness, so that no partition's on-time events are cut
/// off. Each partition keeps its own progress (the start before which its windows are closed):
/// a partition assigned late starts open, so its older windows still count and close at the next
/// `close`. An event whose window its partition has closed is late.
///
/// Idleness: a partition that reached the end of its log and got nothing for `idleAfter`
/// milliseconds of processing time stops holding the watermark back (as Flink's idle sources),
/// so that a quiet partition does not stall every window. When every partition is idle, the
/// watermark is the smallest over those with events: everything they hold has arrived. The
/// clock never reads time: callers pass `now`.
public struct TumblingWindowClock<Partition: Hashable & Sendable>: Sendable {
    public enum Placement: Sendable, Equatable {
        case window(start: Int64)
        /// The event's window closed before it came.
        case late(windowStart: Int64)
    }

    /// A partition whose progress moved: windows starting before `progress` are closed.
    public struct Progress: Sendable, Equatable {
        public var partition: Partition
        /// Its progress before this close; nil when it had never closed a window.
        public var previous: Int64?
        public var progress: Int64
    }

    /// One partition's clock. A caller may `detach` it to place the partition's events on another
    /// thread (partitions are independent between closes) and `attach` it back before closing.
    public struct PartitionClock: Sendable {
        var newest: Int64?
        var closedBefore: Int64?
        /// When the partition reached its end with nothing after (processing time, ms).
        var endSince: Int64?

        /// Where an event at `time` belongs (see `TumblingWindowClock.place`).
        @inline(__always)
        public mutating func place(_ time: Int64, windowSize: Int64) -> Placement {
            let remainder = time % windowSize
            let start = remainder < 0 ? time - remainder - windowSize : time - remainder
            if let closed = closedBefore, start < closed { return .late(windowStart: start) }
            newest = max(newest ?? time, time)
            endSince = nil
            return .window(start: start)
        }
    }

    public let size: Int64
    public let allowedLateness: Int64
    public let idleAfter: Int64
    private var partitions: [Partition: PartitionClock] = [:]

    public init(size: Int64, allowedLateness: Int64, idleAfter: Int64 = 30_000) {
        precondition(
            size > 0 && allowedLateness >= 0 && idleAfter >= 0, "a window needs a positive size, lateness >= 0")
        self.size = size
        self.allowedLateness = allowedLateness
        self.idleAfter = idleAfter
    }

    public func windowStart(_ time: Int64) -> Int64 {
        let remainder = time % size
        return remainder < 0 ? time - remainder - size : time - remainder
    }

    // MARK: - Assignment

    /// A partition this process now reads: it holds the watermark back until it has an event or
    /// goes idle.
    /// - Parameter closedBefore: the partition's progress when it is resumed where a previous
    ///   reader left it (its windows before that are published already).
    public mutating func assign(_ partition: Partition, closedBefore: Int64? = nil) {
        if partitions[partition] == nil { partitions[partition] = PartitionClock(closedBefore: closedBefore) }
    }

    public mutating func revoke(_ partition: Partition) { partitions[partition] = nil }

    // MARK: - Events

    /// Where an event of `partition` at `time` belongs; on time, it also moves its partition's
    /// clock (and assigns the partition if it was not).
    public mutating func place(_ time: Int64, partition: Partition) -> Placement {
        var clock = partitions[partition] ?? PartitionClock()
        let placement = clock.place(time, windowSize: size)
        partitions[partition] = clock
        return placement
    }

    /// Takes an assigned partition's clock out, for placing its events elsewhere; `attach` puts it
    /// back. While detached, the partition counts as not assigned.
    public mutating func detach(_ partition: Partition) -> PartitionClock? { partitions.removeValue(forKey: partition) }

    public mutating func attach(_ partition: Partition, _ clock: PartitionClock) { partitions[partition] = clock }

    /// The partition reached the end of its log at processing time `now`.
    public mutating func reachedEnd(_ partition: Partition, now: Int64) {
        guard var clock = partitions[partition], clock.endSince == nil else { return }
        clock.endSince = now
        partitions[partition] = clock
    }

    // MARK: - Closing

    /// Every partition is idle at `now` (none assigned counts as not idle).
    public func allIdle(now: Int64) -> Bool {
        !partitions.isEmpty && partitions.values.allSatisfy { !Self.isActive($0, now: now, idleAfter: idleAfter) }
    }

    private static func isActive(_ clock: PartitionClock, now: Int64, idleAfter: Int64) -> Bool {
        guard let since = clock.endSince else { return true }
        return now - since < idleAfter
    }

    /// The watermark at processing time `now`; nil while an active partition has no event.
    public func watermark(now: Int64) -> Int64? {
        let active = partitions.values.filter { Self.isActive($0, now: now, idleAfter: idleAfter) }
        if !active.isEmpty {
            var lowest = Int64.max
            for clock in active {
                guard let newest = clock.newest else { return nil }
                lowest = min(lowest, newest)
            }
            return lowest - allowedLateness
        }
        return partitions.values.compactMap(\.newest).min().map { $0 - allowedLateness }
    }

    /// Closes, in every assigned partition, the windows that end at or before the watermark, and
    /// returns the partitions whose progress moved.
    public mutating func close(now: Int64) -> [Progress] {
        guard let watermark = watermark(now: now) else { return [] }
        let boundary = windowStart(watermark)
        var moved: [Progress] = []
        for (partition, clock) in partitions where clock.closedBefore.map({ $0 < boundary }) ?? true {
            moved.append(Progress(partition: partition, previous: clock.closedBefore, progress: boundary))
            partitions[partition]?.closedBefore = boundary
        }
        return moved
    }
}

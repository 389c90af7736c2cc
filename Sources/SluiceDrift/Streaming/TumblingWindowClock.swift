/// Tumbling event-time windows of `size` milliseconds, [start, start + size) with start a
/// multiple of size, closed by a watermark: the smallest, over the partitions seen, of the newest
/// event time minus the allowed lateness, so that no partition's on-time events are cut off. An
/// event whose window has closed is late.
public struct TumblingWindowClock: Sendable, Equatable {
    public enum Placement: Sendable, Equatable {
        case window(start: Int64)
        /// The event's window closed before it came.
        case late(windowStart: Int64)
    }

    public let size: Int64
    public let allowedLateness: Int64
    private var newest: [Int32: Int64] = [:]
    /// Windows starting before this are closed.
    public private(set) var closedBefore = Int64.min

    public init(size: Int64, allowedLateness: Int64) {
        precondition(size > 0 && allowedLateness >= 0, "a window needs a positive size and lateness >= 0")
        self.size = size
        self.allowedLateness = allowedLateness
    }

    public func windowStart(_ time: Int64) -> Int64 {
        let remainder = time % size
        return remainder < 0 ? time - remainder - size : time - remainder
    }

    /// The smallest over partitions of (newest event time − allowed lateness); nil before any event.
    public var watermark: Int64? { newest.values.min().map { $0 - allowedLateness } }

    /// Where an event of `partition` at `time` belongs; on time, it also moves its partition's clock.
    public mutating func place(_ time: Int64, partition: Int32) -> Placement {
        let start = windowStart(time)
        if start < closedBefore { return .late(windowStart: start) }
        newest[partition] = max(newest[partition] ?? time, time)
        return .window(start: start)
    }

    /// Of `open` window starts, those the watermark has passed (end ≤ watermark), ascending; they
    /// count as closed from now on.
    public mutating func close(open: some Sequence<Int64>) -> [Int64] {
        guard let watermark else { return [] }
        closedBefore = max(closedBefore, windowStart(watermark))
        return open.filter { $0 < closedBefore }.sorted()
    }
}

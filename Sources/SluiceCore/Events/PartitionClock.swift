/// Event-time progress of one source partition. The watermark of a view is the newest event time
/// seen minus the view's allowed lateness; events older than it are late for that view.
public struct PartitionClock: Sendable, Equatable {
    /// Newest event time applied from the partition, `Int64.min` before the first.
    public var newestEventTime: Int64

    public init(newestEventTime: Int64 = .min) { self.newestEventTime = newestEventTime }

    public func watermark(lateness: Int64) -> Int64 {
        newestEventTime == .min ? .min : newestEventTime - lateness
    }

    public func isLate(_ eventTime: Int64, lateness: Int64) -> Bool {
        eventTime < watermark(lateness: lateness)
    }

    public mutating func advance(to eventTime: Int64) {
        if eventTime > newestEventTime { newestEventTime = eventTime }
    }
}

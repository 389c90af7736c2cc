/// One source partition's open windows in a monitoring process: per window, the state of every
/// monitored column of the partition's topic and the offset of the window's first event there,
/// so that the partition's committed offset never passes an event of a window not yet published.
public struct PartitionWindows: Sendable {
    private struct Open: Sendable {
        var start: Int64
        var states: [ColumnWindowState]
        var firstOffset: Int64
    }

    public let topic: String
    public let partition: Int32
    private let columns: [String]
    private let empty: [ColumnWindowState]
    private var open: [Open] = []
    /// Where the next parts chain from (see `WindowPart.previousProgress`).
    public private(set) var previousProgress: Int64?

    /// - Parameters:
    ///   - columns: the monitored columns of `topic` and an empty state of each.
    ///   - previousProgress: `WindowPart.fromStart` when the partition is read from the start of
    ///     its log, nil when resumed from a committed offset.
    public init(
        topic: String, partition: Int32, columns: [(name: String, empty: ColumnWindowState)], previousProgress: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.columns = columns.map(\.name)
        self.empty = columns.map(\.empty)
        self.previousProgress = previousProgress
    }

    /// Windows with events not yet closed.
    public var openWindows: Int { open.count }

    /// Runs `body` on the states of `window`, opened at `offset` if it was not open.
    @inline(__always)
    public mutating func update(window: Int64, offset: Int64, _ body: (inout [ColumnWindowState]) -> Void) {
        // Usually one or two windows are open: a scan from the newest beats a dictionary.
        var index = open.count - 1
        while index >= 0 && open[index].start != window { index -= 1 }
        if index < 0 {
            open.append(Open(start: window, states: empty, firstOffset: offset))
            index = open.count - 1
        }
        body(&open[index].states)
    }

    /// Closes the windows starting before `progress` and returns their parts, per column in
    /// window order, chained (`WindowPart`); one progress-only part per column when none had events.
    public mutating func close(before progress: Int64, windowSize: Int64, monitor: UInt64) -> [WindowPart] {
        let closing = open.filter { $0.start < progress }.sorted { $0.start < $1.start }
        open.removeAll { $0.start < progress }
        var parts: [WindowPart] = []
        for (index, column) in columns.enumerated() {
            var previous = previousProgress
            for (position, window) in closing.enumerated() {
                let reached = position == closing.count - 1 ? progress : window.start + windowSize
                parts.append(
                    WindowPart(
                        monitor: monitor, topic: topic, partition: partition, column: column,
                        previousProgress: previous, progress: reached, window: window.start,
                        state: window.states[index]))
                previous = reached
            }
            if closing.isEmpty {
                parts.append(
                    WindowPart(
                        monitor: monitor, topic: topic, partition: partition, column: column,
                        previousProgress: previous, progress: progress))
            }
        }
        previousProgress = progress
        return parts
    }

    /// The offset to commit for this partition: the first event of the oldest open window, or
    /// `next` (the offset after the last message read) when no window is open.
    public func commitOffset(next: Int64) -> Int64 {
        open.map(\.firstOffset).min().map { min($0, next) } ?? next
    }
}

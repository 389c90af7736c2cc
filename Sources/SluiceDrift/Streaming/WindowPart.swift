/// One source partition's word on one column, published when the partition's windows close:
/// its progress (every window starting before `progress` is closed in that partition) and, for
/// one window that had events, the partition's state of the column in it. A partition that
/// closes several windows at once sends one part per window with events, in window order, each
/// with the progress up to its window's end, and the last with the full progress; a close with no
/// events sends one part without a state.
///
/// `previousProgress` chains a partition's parts, so that a merger knows from which window on it
/// has seen everything: `Int64.min` when the partition was read from the start of its log, nil
/// when it was resumed from a committed offset by a process that does not know what was closed
/// before (see `WindowMerger`).
public struct WindowPart: Sendable, Equatable {
    /// Marks the monitor (reference, bins, window size, columns): parts of another monitor on
    /// the same topic are not merged.
    public var monitor: UInt64
    public var topic: String
    public var partition: Int32
    public var column: String
    public var previousProgress: Int64?
    public var progress: Int64
    /// The window the state is of (its start); nil for a part that only reports progress.
    public var window: Int64?
    public var state: ColumnWindowState?

    public init(
        monitor: UInt64, topic: String, partition: Int32, column: String, previousProgress: Int64?, progress: Int64,
        window: Int64? = nil, state: ColumnWindowState? = nil
    ) {
        self.monitor = monitor
        self.topic = topic
        self.partition = partition
        self.column = column
        self.previousProgress = previousProgress
        self.progress = progress
        self.window = window
        self.state = state
    }

    /// The progress value that says "read from the start of the log".
    public static let fromStart = Int64.min
}

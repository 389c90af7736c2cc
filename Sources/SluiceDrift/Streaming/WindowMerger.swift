/// Adds up the window parts of every source partition into whole windows, whichever processes
/// sent them: a column's window is whole once every partition of its topic has closed it
/// (progress past the window) and the merger has seen each partition's parts from before the
/// window on. Merging is exact (`ColumnWindowState.merge`), so the result equals one process's.
///
/// Duplicates: a partition resumed by another process after a rebalance re-reads from its
/// committed offset and sends parts for windows its previous owner had closed; those come with
/// windows below the progress already known and are dropped. A merger that starts in the middle
/// of the parts topic trusts a partition from the `previousProgress` of the first part it sees;
/// a window older than that for some partition cannot be known whole and is reported incomplete,
/// never published with a part missing; so is a window whose part was lost on the way (the
/// partition's next part chains from past it).
public struct WindowMerger: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var topic: String
        /// An empty state of the column (its bins): what a window with no values starts from.
        public var empty: ColumnWindowState

        public init(name: String, topic: String, empty: ColumnWindowState) {
            self.name = name
            self.topic = topic
            self.empty = empty
        }
    }

    public enum Outcome: Sendable, Equatable {
        /// Every partition's part is in: the column's state over the whole window.
        case complete(ColumnWindowState)
        /// Every partition closed the window, but parts from before the merger's start are missing.
        case incomplete(missing: [Int32])
    }

    public struct ClosedWindow: Sendable, Equatable {
        public var column: String
        public var topic: String
        public var window: Int64
        public var outcome: Outcome
    }

    private struct ChainKey: Hashable {
        var column: String
        var partition: Int32
    }

    private struct Chain {
        /// Windows from this start on are seen whole, but for those in `gaps`.
        var trustedFrom: Int64
        var progress: Int64
        /// Progress ranges whose parts never came (a part lost on the way): a part chained from
        /// further than the progress known.
        var gaps: [Range<Int64>] = []

        func isMissing(_ window: Int64) -> Bool {
            window < trustedFrom || gaps.contains { $0.contains(window) }
        }
    }

    private let columns: [String: Column]
    private let partitionCounts: [String: Int]
    private var chains: [ChainKey: Chain] = [:]
    private var pending: [String: [Int64: ColumnWindowState]] = [:]

    /// - Parameter partitionCounts: per source topic, its number of partitions.
    public init(columns: [Column], partitionCounts: [String: Int]) {
        self.columns = Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.partitionCounts = partitionCounts
    }

    /// No window is waiting for parts: a merger that started after the parts read so far would
    /// lose nothing (the place to commit the parts topic).
    public var isQuiet: Bool { pending.values.allSatisfy(\.isEmpty) }

    /// Windows waiting for parts, per column.
    public var pendingWindows: Int { pending.values.reduce(0) { $0 + $1.count } }

    /// Takes one part; returns the column's windows it made whole (or found incomplete), oldest
    /// first. Parts of columns or topics this merger does not know are ignored (nil).
    public mutating func receive(_ part: WindowPart) -> [ClosedWindow]? {
        guard let column = columns[part.column], column.topic == part.topic,
            let partitions = partitionCounts[part.topic], part.partition >= 0, Int(part.partition) < partitions
        else { return nil }
        let key = ChainKey(column: part.column, partition: part.partition)
        var chain =
            chains[key] ?? Chain(trustedFrom: part.previousProgress ?? part.progress, progress: Int64.min)
        if chains[key] != nil, let previous = part.previousProgress, previous > chain.progress {
            chain.gaps.append(chain.progress..<previous)
        }
        if let window = part.window, let state = part.state, window >= max(chain.trustedFrom, chain.progress) {
            var merged = pending[part.column]?[window] ?? column.empty
            merged.merge(state)
            pending[part.column, default: [:]][window] = merged
        }
        chain.progress = max(chain.progress, part.progress)
        chains[key] = chain
        return closeWindows(of: column, partitions: partitions)
    }

    private mutating func closeWindows(of column: Column, partitions: Int) -> [ClosedWindow] {
        guard let windows = pending[column.name], !windows.isEmpty else { return [] }
        var closed: [ClosedWindow] = []
        for window in windows.keys.sorted() {
            var missing: [Int32] = []
            for partition in 0..<Int32(partitions) {
                guard let chain = chains[ChainKey(column: column.name, partition: partition)],
                    chain.progress > window
                else { return closed }  // this window and newer ones wait
                if chain.isMissing(window) { missing.append(partition) }
            }
            let state = pending[column.name]!.removeValue(forKey: window)!
            closed.append(
                ClosedWindow(
                    column: column.name, topic: column.topic, window: window,
                    outcome: missing.isEmpty ? .complete(state) : .incomplete(missing: missing)))
        }
        return closed
    }
}

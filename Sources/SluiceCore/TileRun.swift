/// One tile group's tiles of an entity from one source partition, in ascending tile order.
///
/// One array of (tile index, accumulator) entries instead of a dictionary: events mostly land in
/// the newest tile (the last entry), windows are contiguous slices found by binary search, and
/// pruning drops a prefix. Nothing is hashed or sorted per event, and a tile's index sits next
/// to its accumulator (one cache line to fetch where two arrays would need two).
public struct TileRun: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var tile: Int64
        public var accumulator: TileAccumulator
        /// Changed since the store last got it (`EntityTiles.drainChanges`); kept beside the
        /// tile, which an event touches anyway, rather than in a list of its own.
        var isDirty = false
        /// The store holds this tile (it was drained or read back): pruning it needs a delete.
        var isStored = false

        public static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.tile == rhs.tile && lhs.accumulator == rhs.accumulator }
    }

    /// Strictly ascending by tile.
    public private(set) var entries: [Entry] = []
    /// No entry below this position is dirty (`Int.max`: none is). Events land in the newest
    /// tiles, so draining scans the end of the run, not all of it. An insertion below it leaves
    /// it one short, which only scans one entry more; dropping a prefix must move it down.
    private var dirtyFrom = Int.max

    public init() {}

    /// Equal when they hold the same tiles; what is still to be drained does not count.
    public static func == (lhs: TileRun, rhs: TileRun) -> Bool { lhs.entries == rhs.entries }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The lowest tile index, `Int64.max` when empty.
    public var lowestTile: Int64 { entries.first?.tile ?? .max }
    /// The tile indexes, in ascending order (a copy; for tests and diagnostics).
    public var indexes: [Int64] { entries.map(\.tile) }

    /// The position of the first tile at or above `tile`.
    @inline(__always)
    public func firstPosition(atOrAbove tile: Int64) -> Int {
        entries.withUnsafeBufferPointer { entries in
            var low = 0, high = entries.count
            if high > 0 && entries[high - 1].tile < tile { return high }
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].tile < tile { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// The position of `tile`, nil if the run does not hold it.
    @inline(__always)
    public func position(of tile: Int64) -> Int? {
        let position = firstPosition(atOrAbove: tile)
        return position < entries.count && entries[position].tile == tile ? position : nil
    }

    /// The positions of the tiles within `range`.
    @inline(__always)
    public func positions(in range: ClosedRange<Int64>) -> Range<Int> {
        positions(in: range.lowerBound..<range.upperBound + 1)  // tile indexes are far from Int64.max
    }

    /// The positions of the tiles within `range`.
    @inline(__always)
    public func positions(in range: Range<Int64>) -> Range<Int> {
        let start = firstPosition(atOrAbove: range.lowerBound)
        var end = start
        while end < entries.count && entries[end].tile < range.upperBound { end += 1 }
        return start..<end
    }

    public func contains(_ tile: Int64) -> Bool { position(of: tile) != nil }

    public subscript(tile: Int64) -> TileAccumulator? {
        position(of: tile).map { entries[$0].accumulator }
    }

    /// The position of `tile`, inserted with `empty` first if the run does not hold it.
    @inline(__always)
    public mutating func positionInserting(_ tile: Int64, empty: @autoclosure () -> TileAccumulator) -> Int {
        let count = entries.count
        if count > 0 && entries[count - 1].tile == tile { return count - 1 }
        let position = firstPosition(atOrAbove: tile)
        if position < count && entries[position].tile == tile { return position }
        entries.insert(Entry(tile: tile, accumulator: empty()), at: position)
        return position
    }

    /// Adds one event to the accumulator at `position`, in place, marking it dirty if asked.
    @inline(__always)
    public mutating func add(
        at position: Int, _ values: [FieldValue], eventTime: Int64, partition: Int32, offset: Int64, group: TileGroup,
        markDirty: Bool = false
    ) {
        entries[position].accumulator.add(values, eventTime: eventTime, partition: partition, offset: offset, group: group)
        if markDirty {
            entries[position].isDirty = true
            dirtyFrom = min(dirtyFrom, position)
        }
    }

    /// Calls `body` with each dirty tile, in ascending order, and marks it clean.
    mutating func drainDirty(_ body: (borrowing Entry) -> Void) {
        guard dirtyFrom < entries.count else {
            dirtyFrom = .max
            return
        }
        for position in dirtyFrom..<entries.count where entries[position].isDirty {
            entries[position].isDirty = false
            entries[position].isStored = true
            body(entries[position])
        }
        dirtyFrom = .max
    }

    /// Sets a tile (read back from the store), replacing one already there.
    public mutating func set(_ tile: Int64, _ accumulator: TileAccumulator) {
        let position = firstPosition(atOrAbove: tile)
        if position < entries.count && entries[position].tile == tile {
            entries[position].accumulator = accumulator
            entries[position].isStored = true
        } else {
            entries.insert(Entry(tile: tile, accumulator: accumulator, isStored: true), at: position)
        }
    }

    /// Removes the first `count` tiles.
    public mutating func removeFirst(_ count: Int) {
        guard count > 0 else { return }
        entries.removeFirst(count)
        if dirtyFrom != .max { dirtyFrom = max(0, dirtyFrom - count) }
    }
}

/// One tile group's tiles of an entity from one source partition, in ascending tile order: a
/// read-only view of that group's part of the entity's one array of tiles (`EntityTiles`).
/// Positions count from the group's first tile.
///
/// Tiles are kept in sorted arrays rather than dictionaries: events mostly land in the newest
/// tile, windows are contiguous slices found by binary search, and pruning drops a prefix.
/// Nothing is hashed or sorted per event.
public struct TileRun: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var tile: Int64
        public var accumulator: TileAccumulator
        /// Changed since the store last got it (`EntityTiles.drainChanges`); kept beside the
        /// tile, which an event touches anyway, rather than in a list of its own.
        var isDirty = false
        /// The store holds this tile (it was drained or read back): pruning it needs a delete.
        var isStored = false

        public static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.tile == rhs.tile && lhs.accumulator == rhs.accumulator
        }
    }

    /// The entity's tiles of every group; this run is `start..<start + count` of them.
    private let storage: [Entry]
    private let start: Int
    public let count: Int

    init(_ storage: [Entry], _ range: Range<Int>) {
        self.storage = storage
        start = range.lowerBound
        count = range.count
    }

    /// Equal when they hold the same tiles; what is still to be drained does not count.
    public static func == (lhs: TileRun, rhs: TileRun) -> Bool {
        lhs.count == rhs.count && lhs.withEntries { left in rhs.withEntries { right in left.elementsEqual(right) } }
    }

    public var isEmpty: Bool { count == 0 }
    /// The lowest tile index, `Int64.max` when empty.
    public var lowestTile: Int64 { count > 0 ? storage[start].tile : .max }
    /// The tile indexes, in ascending order (a copy; for tests and diagnostics).
    public var indexes: [Int64] { withEntries { $0.map(\.tile) } }
    /// The entries, in ascending order (a copy; for tests and diagnostics).
    public var entries: [Entry] { Array(storage[start..<start + count]) }

    /// The entry at `position` (counted from the run's first tile).
    public subscript(position: Int) -> Entry {
        _read {
            precondition(position >= 0 && position < count, "tile position out of range")
            yield storage[start + position]
        }
    }

    /// Calls `body` with the run's entries, position 0 first.
    @inline(__always)
    public func withEntries<R>(_ body: (UnsafeBufferPointer<Entry>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<start + count])) }
    }

    /// The position of the first tile at or above `tile`.
    @inline(__always)
    public func firstPosition(atOrAbove tile: Int64) -> Int {
        withEntries { Self.firstPosition(in: $0, atOrAbove: tile) }
    }

    /// The position in `entries` (ascending tiles) of the first tile at or above `tile`.
    @inline(__always)
    static func firstPosition(in entries: UnsafeBufferPointer<Entry>, atOrAbove tile: Int64) -> Int {
        var low = 0
        var high = entries.count
        if high > 0 && entries[high - 1].tile < tile { return high }
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].tile < tile { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The position of `tile`, nil if the run does not hold it.
    @inline(__always)
    public func position(of tile: Int64) -> Int? {
        withEntries { entries in
            let position = Self.firstPosition(in: entries, atOrAbove: tile)
            return position < entries.count && entries[position].tile == tile ? position : nil
        }
    }

    /// The positions of the tiles within `range`.
    @inline(__always)
    public func positions(in range: ClosedRange<Int64>) -> Range<Int> {
        positions(in: range.lowerBound..<range.upperBound + 1)  // tile indexes are far from Int64.max
    }

    /// The positions of the tiles within `range`.
    @inline(__always)
    public func positions(in range: Range<Int64>) -> Range<Int> {
        withEntries { entries in
            let start = Self.firstPosition(in: entries, atOrAbove: range.lowerBound)
            var end = start
            while end < entries.count && entries[end].tile < range.upperBound { end += 1 }
            return start..<end
        }
    }

    public func contains(_ tile: Int64) -> Bool { position(of: tile) != nil }

    public subscript(tile tile: Int64) -> TileAccumulator? {
        position(of: tile).map { self[$0].accumulator }
    }
}

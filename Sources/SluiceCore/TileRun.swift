/// One tile group's tiles of an entity from one source partition, in ascending tile order.
///
/// Two parallel arrays instead of a dictionary: events mostly land in the newest tile (the last
/// element), windows are contiguous slices found by binary search, and pruning drops a prefix.
/// Nothing is hashed or sorted per event.
public struct TileRun: Sendable, Equatable {
    /// Tile indexes, strictly ascending.
    public private(set) var indexes: [Int64] = []
    /// The accumulator of each tile in `indexes`, at the same position.
    public private(set) var accumulators: [TileAccumulator] = []

    public init() {}

    public var count: Int { indexes.count }
    public var isEmpty: Bool { indexes.isEmpty }
    /// The lowest tile index, `Int64.max` when empty.
    public var lowestTile: Int64 { indexes.first ?? .max }

    /// The position of the first tile at or above `tile`.
    @inline(__always)
    public func firstPosition(atOrAbove tile: Int64) -> Int {
        var low = 0, high = indexes.count
        if high > 0 && indexes[high - 1] < tile { return high }
        while low < high {
            let middle = (low + high) / 2
            if indexes[middle] < tile { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The position of `tile`, nil if the run does not hold it.
    @inline(__always)
    public func position(of tile: Int64) -> Int? {
        let position = firstPosition(atOrAbove: tile)
        return position < indexes.count && indexes[position] == tile ? position : nil
    }

    /// The positions of the tiles within `range`.
    @inline(__always)
    public func positions(in range: ClosedRange<Int64>) -> Range<Int> {
        let start = firstPosition(atOrAbove: range.lowerBound)
        var end = start
        while end < indexes.count && indexes[end] <= range.upperBound { end += 1 }
        return start..<end
    }

    /// The positions of the tiles within `range`.
    @inline(__always)
    public func positions(in range: Range<Int64>) -> Range<Int> {
        let start = firstPosition(atOrAbove: range.lowerBound)
        var end = start
        while end < indexes.count && indexes[end] < range.upperBound { end += 1 }
        return start..<end
    }

    public func contains(_ tile: Int64) -> Bool { position(of: tile) != nil }

    public subscript(tile: Int64) -> TileAccumulator? {
        position(of: tile).map { accumulators[$0] }
    }

    /// The position of `tile`, inserted with `empty` first if the run does not hold it.
    @inline(__always)
    public mutating func positionInserting(_ tile: Int64, empty: @autoclosure () -> TileAccumulator) -> Int {
        let count = indexes.count
        if count > 0 && indexes[count - 1] == tile { return count - 1 }
        let position = firstPosition(atOrAbove: tile)
        if position < count && indexes[position] == tile { return position }
        indexes.insert(tile, at: position)
        accumulators.insert(empty(), at: position)
        return position
    }

    /// Adds one event to the accumulator at `position`, in place.
    @inline(__always)
    public mutating func add(
        at position: Int, _ values: [FieldValue], eventTime: Int64, partition: Int32, offset: Int64, group: TileGroup
    ) {
        accumulators[position].add(values, eventTime: eventTime, partition: partition, offset: offset, group: group)
    }

    /// Sets a tile (read back from the store), replacing one already there.
    public mutating func set(_ tile: Int64, _ accumulator: TileAccumulator) {
        let position = firstPosition(atOrAbove: tile)
        if position < indexes.count && indexes[position] == tile {
            accumulators[position] = accumulator
        } else {
            indexes.insert(tile, at: position)
            accumulators.insert(accumulator, at: position)
        }
    }

    /// Removes the first `count` tiles.
    public mutating func removeFirst(_ count: Int) {
        guard count > 0 else { return }
        indexes.removeFirst(count)
        accumulators.removeFirst(count)
    }
}

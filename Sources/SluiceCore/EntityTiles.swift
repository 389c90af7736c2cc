/// The tiles of one entity that one source partition contributed, held in memory while the
/// partition is processed. Only the owner of the partition ever writes them.
public struct EntityTiles: Sendable, Equatable {
    /// Per tile group: tile index → accumulator.
    public var groups: [[Int64: TileAccumulator]]
    /// Tiles changed or removed since the last `drainChanges`, possibly repeated.
    public private(set) var changed: [TileKey] = []
    /// Per group, no tile index is below this (so pruning can skip the scan).
    private var lowestTile: [Int64]

    /// A tile of one group.
    public struct TileKey: Hashable, Sendable {
        public var group: Int
        public var tile: Int64
    }

    public init(groupCount: Int) {
        groups = Array(repeating: [:], count: groupCount)
        lowestTile = Array(repeating: .max, count: groupCount)
    }

    /// Tiles read back from the store.
    public init(groupCount: Int, tiles: [StoredTile]) {
        self.init(groupCount: groupCount)
        for tile in tiles {
            groups[tile.group][tile.tile] = tile.accumulator
            lowestTile[tile.group] = min(lowestTile[tile.group], tile.tile)
        }
    }

    public static func == (lhs: EntityTiles, rhs: EntityTiles) -> Bool { lhs.groups == rhs.groups }

    public var isEmpty: Bool { groups.allSatisfy(\.isEmpty) }

    /// Adds one event to the tile of each group that holds its time, then drops the tiles no read
    /// at or after `watermark` can cover. Changed and dropped tiles are recorded in `changed`.
    /// Returns whether the entity had no unrecorded changes before (it just became dirty).
    @discardableResult
    public mutating func apply(
        _ event: DecodedEvent, partition: Int32, offset: Int64, layout: ViewLayout, watermark: Int64? = nil
    ) -> Bool {
        let wasClean = changed.isEmpty
        for (groupIndex, group) in layout.groups.enumerated() {
            let tile = group.tileIndex(of: event.eventTime)
            groups[groupIndex][tile, default: group.emptyAccumulator()]
                .add(event.values, eventTime: event.eventTime, partition: partition, offset: offset, group: group)
            changed.append(TileKey(group: groupIndex, tile: tile))
            if tile < lowestTile[groupIndex] { lowestTile[groupIndex] = tile }
        }
        if let watermark { prune(watermark: watermark, layout: layout) }
        return wasClean
    }

    /// Drops tiles that no read at or after `watermark` can cover.
    public mutating func prune(watermark: Int64, layout: ViewLayout) {
        for (groupIndex, group) in layout.groups.enumerated() {
            let oldest = group.oldestReadableTile(watermark: watermark)
            guard lowestTile[groupIndex] < oldest else { continue }
            let expired = groups[groupIndex].keys.filter { $0 < oldest }
            for tile in expired {
                groups[groupIndex][tile] = nil
                changed.append(TileKey(group: groupIndex, tile: tile))
            }
            lowestTile[groupIndex] = groups[groupIndex].keys.min() ?? .max
        }
    }

    /// Splits the changes since the last call into tiles that exist (to write) and tiles that
    /// were removed (to delete), each once, appending to the caller's reusable arrays; forgets them.
    public mutating func drainChanges(writes: inout [TileKey], deletes: inout [TileKey]) {
        if changed.count > 1 {
            changed.sort { ($0.group, $0.tile) < ($1.group, $1.tile) }
        }
        var previous: TileKey?
        for change in changed where change != previous {
            previous = change
            if groups[change.group][change.tile] != nil { writes.append(change) } else { deletes.append(change) }
        }
        changed.removeAll(keepingCapacity: true)
    }

    /// Forgets the changes without listing them (replay keeps state in memory only).
    public mutating func forgetChanges() {
        changed.removeAll(keepingCapacity: true)
    }

    /// Encodes one tile (which must exist) in place, without copying it out of the dictionary.
    public func encodeTile(_ key: TileKey, into buffer: inout [UInt8]) {
        TileCodec.encode(groups[key.group][key.tile]!, into: &buffer)
    }

    /// The tiles as `StoredTile`s of `partition`, for `FeatureCalculator`.
    public func storedTiles(partition: Int32) -> [StoredTile] {
        var result: [StoredTile] = []
        for (groupIndex, tiles) in groups.enumerated() {
            for (tile, accumulator) in tiles {
                result.append(StoredTile(group: groupIndex, tile: tile, partition: partition, accumulator: accumulator))
            }
        }
        return result
    }
}

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

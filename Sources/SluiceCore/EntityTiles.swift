/// The tiles of one entity that one source partition contributed, held in memory while the
/// partition is processed. Only the owner of the partition ever writes them.
public struct EntityTiles: Sendable, Equatable {
    /// Per tile group: tile index → accumulator.
    public var groups: [[Int64: TileAccumulator]]

    public init(groupCount: Int) {
        groups = Array(repeating: [:], count: groupCount)
    }

    public var isEmpty: Bool { groups.allSatisfy(\.isEmpty) }

    /// Adds one event to the tile of each group that holds its time, and calls `touched` with
    /// each (group, tile) changed.
    public mutating func apply(
        _ event: DecodedEvent, partition: Int32, offset: Int64, layout: ViewLayout,
        touched: (Int, Int64) -> Void = { _, _ in }
    ) {
        for (groupIndex, group) in layout.groups.enumerated() {
            let tile = group.tileIndex(of: event.eventTime)
            groups[groupIndex][tile, default: group.emptyAccumulator()]
                .add(event.values, eventTime: event.eventTime, partition: partition, offset: offset, group: group)
            touched(groupIndex, tile)
        }
    }

    /// Drops tiles that no read at or after `watermark` can cover, calling `removed` for each.
    public mutating func prune(watermark: Int64, layout: ViewLayout, removed: (Int, Int64) -> Void = { _, _ in }) {
        for (groupIndex, group) in layout.groups.enumerated() {
            let oldest = group.oldestReadableTile(watermark: watermark)
            for tile in groups[groupIndex].keys where tile < oldest {
                groups[groupIndex][tile] = nil
                removed(groupIndex, tile)
            }
        }
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

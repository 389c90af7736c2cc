/// The tiles of one entity that one source partition contributed, held in memory while the
/// partition is processed. Only the owner of the partition ever writes them.
public struct EntityTiles: Sendable, Equatable {
    /// Every tile group's tiles in one array: group 0's in ascending tile order, then group 1's,
    /// and so on. An event touches the newest tile of every group; in one array these sit close
    /// together (a few cache lines for most entities), where one array per group cost a cache
    /// miss for the list of groups and two for each group, at every event and again when the
    /// batch's changes were written: most of the engine's time on sparse entities.
    private var entries: [TileRun.Entry] = []
    /// Where each group's tiles end in `entries`: group g holds `ends[g - 1]..<ends[g]` (group 0
    /// from 0). Inline, so that finding a group costs no memory access of its own.
    private var ends = InlineArray<8, Int32>(repeating: 0)
    public let groupCount: Int
    /// No entry below this position is dirty (`Int.max`: none is). Events land in the newest
    /// tiles, so draining scans from the lowest changed tile on (through the later groups'
    /// tiles too), not the whole array.
    private var dirtyFrom = Int.max
    /// Whether tiles changed or were removed since the last `drainChanges` (changed tiles are
    /// marked in their entries, removed ones listed in `removed`).
    public private(set) var hasChanges = false
    /// Tiles removed since the last `drainChanges`.
    private var removed: [TileKey] = []
    /// Bit g: group g is stored as one tile run (`TileGroup.storesRun`) and changed (a tile
    /// changed, or was dropped) since the last `drainChanges`.
    private var changedRuns: UInt8 = 0
    /// False for state that is never written anywhere (replay): nothing is recorded.
    private let tracksChanges: Bool
    /// The offset of the newest event of the partition applied to these tiles, -1 before any.
    /// Stored beside them (docs/storage.md), so that events already in the stored tiles can be
    /// recognised when a partition is replayed from older progress.
    public private(set) var appliedOffset: Int64 = -1
    /// Per window of the layout (`ViewLayout.windows` order), the fold of this partition's tiles
    /// `start..<end`, kept between reads: consecutive events of an entity mostly read the same
    /// closed tiles, and only the newest one changes. Dropped when one of its tiles changes.
    /// Empty until the first `addWindows`, so the engine without a feature log never pays for it.
    private var prefixes: [WindowPrefix?] = []

    /// The most tile groups (different tile sizes) a view may have.
    public static let maxGroups = 8

    private struct WindowPrefix: Sendable {
        var start: Int64
        var end: Int64
        var fold: TileAccumulator
    }

    /// A tile of one group.
    public struct TileKey: Hashable, Sendable {
        public var group: Int
        public var tile: Int64

        public init(group: Int, tile: Int64) {
            self.group = group
            self.tile = tile
        }

        @inline(__always)
        func precedes(_ other: TileKey) -> Bool { group < other.group || (group == other.group && tile < other.tile) }
    }

    public init(groupCount: Int, tracksChanges: Bool = true) {
        precondition(groupCount <= Self.maxGroups, "a view has at most \(Self.maxGroups) tile sizes")
        self.groupCount = groupCount
        self.tracksChanges = tracksChanges
    }

    /// Tiles read back from the store, with the offset of the newest event they hold.
    public init(groupCount: Int, tiles: [StoredTile], appliedOffset: Int64 = -1) {
        self.init(groupCount: groupCount)
        for tile in tiles {
            let position = positionInserting(tile.tile, group: tile.group, empty: tile.accumulator)
            entries[position].accumulator = tile.accumulator
            entries[position].isStored = true
        }
        self.appliedOffset = appliedOffset
    }

    /// Whether the event at `offset` of the partition is already in these tiles.
    @inline(__always)
    public func holdsEvent(at offset: Int64) -> Bool { offset <= appliedOffset }

    public static func == (lhs: EntityTiles, rhs: EntityTiles) -> Bool {
        lhs.groupCount == rhs.groupCount && lhs.entries == rhs.entries
            && (0..<lhs.groupCount).allSatisfy { lhs.ends[$0] == rhs.ends[$0] }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Group `group`'s tiles.
    @inline(__always)
    public func run(_ group: Int) -> TileRun { TileRun(entries, segment(group)) }

    /// Every group's tiles (copies; for tests and diagnostics).
    public var groups: [TileRun] { (0..<groupCount).map(run) }

    /// Where group `group`'s tiles are in `entries`.
    @inline(__always)
    private func segment(_ group: Int) -> Range<Int> {
        (group == 0 ? 0 : Int(ends[group - 1]))..<Int(ends[group])
    }

    /// The position of `tile` of `group` in `entries`, inserted with `empty` first if missing.
    @inline(__always)
    private mutating func positionInserting(_ tile: Int64, group: Int, empty: @autoclosure () -> TileAccumulator) -> Int
    {
        let segment = segment(group)
        if !segment.isEmpty && entries[segment.upperBound - 1].tile == tile { return segment.upperBound - 1 }
        let position = segment.lowerBound + firstPosition(in: segment, atOrAbove: tile)
        if position < segment.upperBound && entries[position].tile == tile { return position }
        entries.insert(TileRun.Entry(tile: tile, accumulator: empty()), at: position)
        // A dirty entry at or above `position` moved up one: `dirtyFrom` still lies below it.
        for later in group..<groupCount { ends[later] += 1 }
        return position
    }

    /// The position within `segment` of its first tile at or above `tile`.
    @inline(__always)
    private func firstPosition(in segment: Range<Int>, atOrAbove tile: Int64) -> Int {
        entries.withUnsafeBufferPointer {
            TileRun.firstPosition(in: UnsafeBufferPointer(rebasing: $0[segment]), atOrAbove: tile)
        }
    }

    /// Adds one event to the tile of each group that holds its time, then drops the tiles no read
    /// at or after `watermark` can cover. Changed and dropped tiles are recorded for
    /// `drainChanges`. Returns whether the entity had no recorded changes before (it just became
    /// dirty).
    @discardableResult
    public mutating func apply(
        _ event: DecodedEvent, partition: Int32, offset: Int64, layout: ViewLayout, watermark: Int64? = nil
    ) -> Bool {
        let wasClean = !hasChanges
        if tracksChanges { hasChanges = true }
        appliedOffset = max(appliedOffset, offset)
        for groupIndex in 0..<groupCount {
            let group = layout.groups[groupIndex]
            let tile = group.tileIndex(of: event.eventTime)
            let position = positionInserting(tile, group: groupIndex, empty: group.emptyAccumulator())
            entries[position].accumulator.add(
                event.values, eventTime: event.eventTime, partition: partition, offset: offset, group: group)
            if tracksChanges {
                if group.storesRun {
                    changedRuns |= 1 << UInt8(groupIndex)
                } else {
                    entries[position].isDirty = true
                    dirtyFrom = min(dirtyFrom, position)
                }
            }
            if !prefixes.isEmpty { dropPrefixes(holding: tile, group: groupIndex, layout: layout) }
        }
        if let watermark { prune(watermark: watermark, layout: layout) }
        return wasClean
    }

    /// Drops tiles that no read at or after `watermark` can cover.
    public mutating func prune(watermark: Int64, layout: ViewLayout) {
        for groupIndex in 0..<groupCount {
            let segment = segment(groupIndex)
            guard !segment.isEmpty else { continue }
            let oldest = layout.groups[groupIndex].oldestReadableTile(watermark: watermark)
            guard entries[segment.lowerBound].tile < oldest else { continue }
            let expired = segment.lowerBound..<(segment.lowerBound + firstPosition(in: segment, atOrAbove: oldest))
            let storesRun = layout.groups[groupIndex].storesRun
            if tracksChanges && storesRun {
                changedRuns |= 1 << UInt8(groupIndex)
                hasChanges = true
            }
            for position in expired {
                let tile = entries[position].tile
                // A tile made and pruned between two drains never reached the store: no delete.
                if tracksChanges && !storesRun && entries[position].isStored {
                    removed.append(TileKey(group: groupIndex, tile: tile))
                    hasChanges = true
                }
                if !prefixes.isEmpty { dropPrefixes(holding: tile, group: groupIndex, layout: layout) }
            }
            entries.removeSubrange(expired)
            for later in groupIndex..<groupCount { ends[later] -= Int32(expired.count) }
            if dirtyFrom != .max {
                if dirtyFrom >= expired.upperBound {
                    dirtyFrom -= expired.count
                } else if dirtyFrom > expired.lowerBound {
                    dirtyFrom = expired.lowerBound
                }
            }
        }
    }

    // MARK: - Windows for the feature log

    /// Adds this partition's part of each of the view's windows read at `time` to `scratch`
    /// (which `WindowScratch.begin` prepared): the fold of the closed tiles, extended or rebuilt
    /// as needed and kept, merged with the window's newest tile. Without `distinct`, distinct
    /// sketches are left out (of the kept folds too: a caller picks one way for good), for a
    /// caller that counts them across partitions itself (`EntityDistinctCaches`).
    mutating func addWindows(
        _ layout: ViewLayout, at time: Int64, to scratch: inout WindowScratch, distinct: Bool = true
    ) {
        // Most entities have tiles in one partition only (cards: the topic is keyed by card).
        guard !entries.isEmpty else { return }
        if prefixes.count != layout.windows.count { prefixes = Array(repeating: nil, count: layout.windows.count) }
        for index in layout.windows.indices {
            let groupIndex = layout.windows[index].group
            let segment = segment(groupIndex)
            guard !segment.isEmpty else { continue }
            let run = TileRun(entries, segment)
            let range = layout.windows[index].tiles(at: time)
            if run.count <= Self.directTileLimit {
                // Few tiles: summing them is cheaper than keeping a fold that the next event's
                // window (a tile later) would not reuse anyway.
                prefixes[index] = nil
                scratch.windows[index].addTiles(run, in: range, distinct: distinct)
                continue
            }
            // Moved out (not copied) so that the fold stays uniquely referenced while it grows.
            var prefix: WindowPrefix
            if var kept = prefixes[index].take(), kept.start <= range.lowerBound, kept.end <= range.upperBound,
                kept.start == range.lowerBound || !hasTiles(group: groupIndex, in: kept.start..<range.lowerBound)
            {
                // The window moved on past tiles this partition does not have (or not at all):
                // the fold is the same, to the bit, as one started at the new start.
                kept.start = range.lowerBound
                kept.end = max(kept.end, range.lowerBound)
                fold(
                    group: groupIndex, tiles: kept.end..<range.upperBound, into: &kept.fold, scratch: &scratch,
                    distinct: distinct)
                kept.end = range.upperBound
                prefix = consume kept
            } else {
                prefix = WindowPrefix(
                    start: range.lowerBound, end: range.upperBound, fold: layout.groups[groupIndex].emptyAccumulator())
                fold(
                    group: groupIndex, tiles: range.lowerBound..<range.upperBound, into: &prefix.fold,
                    scratch: &scratch, distinct: distinct)
            }
            if let newest = run.position(of: range.upperBound) {
                run.withEntries { tiles in
                    scratch.windows[index].addPart(
                        prefix: prefix.fold, newestTile: tiles[newest].accumulator, distinct: distinct)
                }
            } else {
                scratch.windows[index].addPart(prefix: prefix.fold, distinct: distinct)
            }
            prefixes[index] = consume prefix
        }
    }

    /// Whether the group has a tile in `range`.
    private func hasTiles(group: Int, in range: Range<Int64>) -> Bool {
        !run(group).positions(in: range).isEmpty
    }

    /// Up to this many tiles in a group, windows are summed tile by tile without a kept fold.
    static let directTileLimit = 8

    /// Merges the group's tiles within `range` into `fold`, in ascending tile order: the result of
    /// `fold.merge` tile by tile, with each distinct sketch built once at the end instead of
    /// after every tile.
    private func fold(
        group: Int, tiles range: Range<Int64>, into fold: inout TileAccumulator, scratch: inout WindowScratch,
        distinct: Bool
    ) {
        let run = run(group)
        let positions = run.positions(in: range)
        guard !positions.isEmpty else { return }
        let slots = distinct ? fold.distinct.count : 0
        while scratch.foldUnions.count < slots { scratch.foldUnions.append(DistinctUnion()) }
        for slot in 0..<slots {
            scratch.foldUnions[slot].reset()
            scratch.foldUnions[slot].add(fold.distinct[slot])
        }
        var newest: Int?
        run.withEntries { entries in
            for position in positions {
                fold.count += entries[position].accumulator.count
                for slot in fold.numeric.indices {
                    fold.numeric[slot].merge(entries[position].accumulator.numeric[slot])
                }
                for slot in 0..<slots { scratch.foldUnions[slot].add(entries[position].accumulator.distinct[slot]) }
                if entries[position].accumulator.hasLast,
                    (
                        entries[position].accumulator.lastTime, entries[position].accumulator.lastPartition,
                        entries[position].accumulator.lastOffset
                    )
                        > (fold.lastTime, fold.lastPartition, fold.lastOffset)
                {
                    fold.lastTime = entries[position].accumulator.lastTime
                    fold.lastPartition = entries[position].accumulator.lastPartition
                    fold.lastOffset = entries[position].accumulator.lastOffset
                    newest = position
                }
            }
        }
        for slot in 0..<slots { fold.distinct[slot] = scratch.foldUnions[slot].sketch() }
        if let newest { fold.lastValues = run[newest].accumulator.lastValues }
    }

    /// Adds the distinct sketches of the group's tiles within `range` to `window`'s unions.
    func addDistinct(group: Int, in range: ClosedRange<Int64>, to window: inout WindowTotals) {
        let run = run(group)
        let positions = run.positions(in: range)
        run.withEntries { entries in
            for position in positions { window.addDistinct(entries[position].accumulator) }
        }
    }

    private mutating func dropPrefixes(holding tile: Int64, group: Int, layout: ViewLayout) {
        for (index, window) in layout.windows.enumerated() where window.group == group {
            if let prefix = prefixes[index], prefix.start <= tile, tile < prefix.end { prefixes[index] = nil }
        }
    }

    /// Splits the changes since the last call into tiles to write and tiles that were removed
    /// (to delete), each once and in (group, tile) order, appending to the caller's reusable
    /// arrays; forgets them. A changed tile run is listed as all its tiles, all written again.
    public mutating func drainChanges(writes: inout [TileKey], deletes: inout [TileKey]) {
        let start = writes.count
        var runs: [Int] = []
        drainChanges(
            deletes: &deletes, write: { key, _ in writes.append(key) }, writeRun: { group, _ in runs.append(group) })
        guard !runs.isEmpty else { return }
        for group in runs { writes += run(group).indexes.map { TileKey(group: group, tile: $0) } }
        writes[start...].sort { $0.precedes($1) }
    }

    /// `drainChanges`, handing each changed tile's accumulator to `write` as it goes (in
    /// (group, tile) order) rather than listing keys to look up again, and each changed tile run
    /// (a group that `TileGroup.storesRun`) to `writeRun`, whole. The accumulator is lent `inout`
    /// only so that it is not copied on the way (a borrowed one was, with a retain and release of
    /// each of its arrays); `write` must not change it.
    public mutating func drainChanges(
        deletes: inout [TileKey], write: (TileKey, inout TileAccumulator) -> Void, writeRun: (Int, TileRun) -> Void
    ) {
        guard hasChanges else { return }
        if changedRuns != 0 {
            for group in 0..<groupCount where changedRuns & (1 << UInt8(group)) != 0 { writeRun(group, run(group)) }
            changedRuns = 0
        }
        if dirtyFrom < entries.count {
            var group = 0
            let groupCount = groupCount
            let ends = ends
            let from = dirtyFrom
            entries.withUnsafeMutableBufferPointer { entries in
                // Through a pointer: handing `entries[position].accumulator` to the closure
                // copied the whole entry first.
                guard let base = entries.baseAddress else { return }
                for position in from..<entries.count where base[position].isDirty {
                    while group < groupCount && Int(ends[group]) <= position { group += 1 }
                    let entry = base + position
                    entry.pointee.isDirty = false
                    entry.pointee.isStored = true
                    write(TileKey(group: group, tile: entry.pointee.tile), &entry.pointee.accumulator)
                }
            }
        }
        dirtyFrom = .max
        if !removed.isEmpty {
            // Usually in order already: prune goes through groups and tiles in order.
            if removed.indices.dropFirst().contains(where: { removed[$0].precedes(removed[$0 - 1]) }) {
                removed.sort { $0.precedes($1) }
            }
            var previous: TileKey?
            for key in removed where key != previous {
                previous = key
                // A tile removed and made again since is written, not deleted.
                if !run(key.group).contains(key.tile) { deletes.append(key) }
            }
            removed.removeAll(keepingCapacity: true)
        }
        hasChanges = false
    }

    /// The tiles as `StoredTile`s of `partition`, for `FeatureCalculator`.
    public func storedTiles(partition: Int32) -> [StoredTile] {
        var result: [StoredTile] = []
        for group in 0..<groupCount {
            for position in segment(group) {
                result.append(
                    StoredTile(
                        group: group, tile: entries[position].tile, partition: partition,
                        accumulator: entries[position].accumulator))
            }
        }
        return result
    }
}

/// Reusable storage for computing a view's windows over live tiles once per event (the feature
/// log), so that a window is summed without copying tile accumulators or allocating.
///
/// Each source partition contributes the fold of its closed tiles (`EntityTiles`' window prefix,
/// kept between events) merged with its newest tile; the partitions' parts are then merged in
/// partition order. That is the order the read path merges stored tiles in (`FeatureCalculator`),
/// so both give the same bits.
public struct WindowScratch: Sendable {
    /// Per window of the view being computed, in `ViewLayout.windows` order.
    var windows: [WindowTotals] = []
    /// Per distinct slot, the union being built for a window prefix.
    var foldUnions: [DistinctUnion] = []
    /// Stored tiles' positions in merge order (`FeatureCalculator.compute(_:tiles:at:scratch:into:)`).
    var order: [Int] = []

    public init() {}

    /// Drops the references the windows hold into the tiles last summed (exact distinct sets,
    /// newest values), so that the tiles' storage can be decoded into again without copies
    /// (`StoredTileBuffer`).
    public mutating func releaseTiles() {
        for index in windows.indices { windows[index].releaseTiles() }
    }

    mutating func begin(_ layout: ViewLayout) {
        while windows.count < layout.windows.count { windows.append(WindowTotals()) }
        for (index, window) in layout.windows.enumerated() {
            let group = layout.groups[window.group]
            windows[index].reset(numericSlots: group.numericFields.count, distinctSlots: group.distinctFields.count)
        }
    }
}

/// The statistics of one window, summed part by part (one part per source partition).
struct WindowTotals: Sendable {
    var count: Int64 = 0
    var numeric: [NumericStats] = []
    var distinct: [DistinctUnion] = []
    /// One partition's numeric statistics while its tiles are summed.
    private var partNumeric: [NumericStats] = []
    /// Distinct counts per slot, filled by `finish()`.
    var distinctCounts: [Double] = []
    /// The newest event: by event time, then partition, then offset.
    var newestTime: Int64 = .min
    var newestPartition: Int32 = -1
    var newestOffset: Int64 = -1
    var newestValues: [FieldValue] = []

    var hasNewest: Bool { newestTime != .min }

    mutating func reset(numericSlots: Int, distinctSlots: Int) {
        count = 0
        if numeric.count != numericSlots {
            numeric = Array(repeating: NumericStats(), count: numericSlots)
        } else {
            for slot in numeric.indices { numeric[slot] = NumericStats() }
        }
        while distinct.count < distinctSlots { distinct.append(DistinctUnion()) }
        while distinct.count > distinctSlots { distinct.removeLast() }
        for slot in distinct.indices { distinct[slot].reset() }
        newestTime = .min
        newestPartition = -1
        newestOffset = -1
    }

    /// Drops the references held into the tiles summed: the distinct parts and newest values.
    mutating func releaseTiles() {
        for slot in distinct.indices { distinct[slot].releaseParts() }
        newestValues = []
    }

    /// Adds one partition's part of the window: the fold of its closed tiles, then its newest tile.
    mutating func addPart(
        prefix: borrowing TileAccumulator, newestTile: borrowing TileAccumulator, distinct withDistinct: Bool
    ) {
        count += prefix.count
        for slot in numeric.indices {
            var part = prefix.numeric[slot]
            part.merge(newestTile.numeric[slot])
            numeric[slot].merge(part)
        }
        if withDistinct { addDistinct(prefix) }
        considerNewest(prefix)
        count += newestTile.count
        if withDistinct { addDistinct(newestTile) }
        considerNewest(newestTile)
    }

    /// Adds one partition's part of the window when it has no newest tile: the fold of its closed tiles.
    mutating func addPart(prefix: borrowing TileAccumulator, distinct withDistinct: Bool) {
        count += prefix.count
        for slot in numeric.indices { numeric[slot].merge(prefix.numeric[slot]) }
        if withDistinct { addDistinct(prefix) }
        considerNewest(prefix)
    }

    /// Adds a tile's (or fold's) distinct sketches to the window's unions.
    mutating func addDistinct(_ tile: borrowing TileAccumulator) {
        for slot in distinct.indices { distinct[slot].add(tile.distinct[slot]) }
    }

    /// Adds one partition's part of the window from its tiles within `range`, merged in tile
    /// order: the same arithmetic as a fold of the closed tiles followed by the newest one.
    mutating func addTiles(_ run: TileRun, in range: ClosedRange<Int64>, distinct withDistinct: Bool) {
        let positions = run.positions(in: range)
        guard !positions.isEmpty else { return }
        partNumeric.removeAll(keepingCapacity: true)
        for _ in numeric.indices { partNumeric.append(NumericStats()) }
        run.withEntries { entries in
            // The newest event of the run is found first and considered once: considering each
            // tile copied the last values of every newer tile (tiles come oldest first).
            var newest = -1
            for position in positions {
                count += entries[position].accumulator.count
                for slot in numeric.indices { partNumeric[slot].merge(entries[position].accumulator.numeric[slot]) }
                if withDistinct { addDistinct(entries[position].accumulator) }
                if entries[position].accumulator.hasLast
                    && (newest < 0 || entries[position].accumulator.holdsNewerEvent(than: entries[newest].accumulator))
                {
                    newest = position
                }
            }
            if newest >= 0 { considerNewest(entries[newest].accumulator) }
        }
        for slot in numeric.indices { numeric[slot].merge(partNumeric[slot]) }
    }

    /// Adds the stored tiles of `group` within `range`: `order` lists positions in `tiles` sorted
    /// by group, partition and tile. Each partition's tiles are merged in tile order into its part,
    /// and the parts in partition order: the arithmetic of `addTiles` over live tiles.
    mutating func addStoredTiles(
        _ tiles: UnsafeBufferPointer<StoredTile>, order: [Int], group: Int, in range: ClosedRange<Int64>
    ) {
        var partition: Int32?
        for position in order where tiles[position].group == group && range.contains(tiles[position].tile) {
            if tiles[position].partition != partition {
                if partition != nil { for slot in numeric.indices { numeric[slot].merge(partNumeric[slot]) } }
                partition = tiles[position].partition
                partNumeric.removeAll(keepingCapacity: true)
                for _ in numeric.indices { partNumeric.append(NumericStats()) }
            }
            count += tiles[position].accumulator.count
            for slot in numeric.indices { partNumeric[slot].merge(tiles[position].accumulator.numeric[slot]) }
            addDistinct(tiles[position].accumulator)
            considerNewest(tiles[position].accumulator)
        }
        if partition != nil { for slot in numeric.indices { numeric[slot].merge(partNumeric[slot]) } }
    }

    private mutating func considerNewest(_ tile: borrowing TileAccumulator) {
        guard tile.hasLast,
            (tile.lastTime, tile.lastPartition, tile.lastOffset) > (newestTime, newestPartition, newestOffset)
        else { return }
        newestTime = tile.lastTime
        newestPartition = tile.lastPartition
        newestOffset = tile.lastOffset
        newestValues = tile.lastValues
    }

    mutating func finish() {
        distinctCounts.removeAll(keepingCapacity: true)
        for slot in distinct.indices { distinctCounts.append(distinct[slot].count()) }
    }

    /// Whether the view's group of this window has distinct slots.
    var hasDistinct: Bool { !distinct.isEmpty }
}

/// The size of the union of several distinct sketches, as a chain of `DistinctSketch.merge` calls
/// would end with: exact while the union holds at most `DistinctSketch.exactLimit` hashes and no
/// sketch is a HyperLogLog, else the estimate of the HyperLogLog of every register and hash.
/// (Both outcomes depend only on the set of hashes and registers, not on the merge order.)
struct DistinctUnion: Sendable {
    /// Exact sketches: sorted hash arrays, shared with the tiles, never copied.
    private var parts: [[UInt64]] = []
    private var registers = [UInt8](repeating: 0, count: DistinctSketch.registerCount)
    private var isHyperLogLog = false
    private var hasHyperLogLogPart = false
    /// Open-addressing hash set for unions of many parts; 0 marks a free slot.
    private var table = [UInt64](repeating: 0, count: DistinctUnion.tableSize)
    private var usedSlots: [Int] = []
    /// Whether the hash 0, which cannot go in the table, is in the union.
    private var hasZeroHash = false
    private var merged: [UInt64] = []

    /// Four times the exact limit, so the table stays at most a quarter full before the union
    /// turns into a HyperLogLog.
    private static let tableSize = 4 * DistinctSketch.exactLimit

    mutating func reset() {
        parts.removeAll(keepingCapacity: true)
        hasHyperLogLogPart = false
        if isHyperLogLog {
            registers.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
            isHyperLogLog = false
        }
    }

    /// Drops the exact parts added (the tiles' sets); the union must be reset before its next use.
    mutating func releaseParts() { parts.removeAll(keepingCapacity: true) }

    mutating func add(_ sketch: borrowing DistinctSketch) {
        switch sketch {
        case .exact(let hashes):
            if !hashes.isEmpty { parts.append(hashes) }
        case .hyperLogLog(let theirs):
            isHyperLogLog = true
            hasHyperLogLogPart = true
            DistinctSketch.maxRegisters(&registers, theirs)
        }
    }

    /// The union as one sketch, equal to what a chain of `DistinctSketch.merge` calls over the
    /// same sketches ends with. Call once, after the last `add`.
    mutating func sketch() -> DistinctSketch {
        if !isHyperLogLog {
            switch parts.count {
            case 0: return .empty
            case 1: return .exact(parts[0])
            default:
                if exactUnionCount() <= DistinctSketch.exactLimit {
                    // The table holds the union: list it in order.
                    merged = usedSlots.map { table[$0] }
                    if hasZeroHash { merged.append(0) }
                    merged.sort()
                    return .exact(merged)
                }
                isHyperLogLog = true
            }
        }
        addPartsToRegisters()
        return .hyperLogLog(registers)
    }

    /// The count; call once, after the last `add`.
    mutating func count() -> Double {
        if !isHyperLogLog {
            let exact: Int
            switch parts.count {
            case 0: exact = 0
            case 1: exact = parts[0].count
            case 2: exact = Self.unionCount(parts[0], parts[1])
            default: exact = exactUnionCount()
            }
            if exact <= DistinctSketch.exactLimit { return Double(exact) }
            isHyperLogLog = true
        }
        addPartsToRegisters()
        return DistinctSketch.estimate(registers)
    }

    /// Inserts every hash of every part into `set` (a hash once per part that holds it); false,
    /// with `set` unusable, if a part is a HyperLogLog.
    func addAll(to set: inout DistinctSet) -> Bool {
        guard !hasHyperLogLogPart else { return false }
        for part in parts {
            for hash in part { set.insert(hash) }
        }
        return true
    }

    private mutating func addPartsToRegisters() {
        for part in parts {
            for hash in part { DistinctSketch.add(hash, to: &registers) }
        }
    }

    /// The size of the union of the exact parts, through the hash set; stops counting (and
    /// returns more than the exact limit) as soon as the union passes the limit.
    private mutating func exactUnionCount() -> Int {
        for slot in usedSlots { table[slot] = 0 }
        usedSlots.removeAll(keepingCapacity: true)
        hasZeroHash = false
        let mask = UInt64(Self.tableSize - 1)
        var count = 0
        table.withUnsafeMutableBufferPointer { slots in
            for part in parts {
                for hash in part {
                    if hash == 0 {
                        // 0 marks free slots; the one value that hashes to it is counted apart.
                        if !hasZeroHash {
                            hasZeroHash = true
                            count += 1
                        }
                        continue
                    }
                    var slot = Int(hash & mask)
                    while true {
                        let held = slots[slot]
                        if held == hash { break }
                        if held == 0 {
                            slots[slot] = hash
                            usedSlots.append(slot)
                            count += 1
                            break
                        }
                        slot = (slot + 1) & Int(mask)
                    }
                    if count > DistinctSketch.exactLimit { return }
                }
            }
        }
        return count
    }

    private static func unionCount(_ first: [UInt64], _ second: [UInt64]) -> Int {
        let (small, large) = first.count <= second.count ? (first, second) : (second, first)
        if small.count * 16 < large.count {
            // A few new hashes against a big set: binary search each.
            var missing = 0
            for hash in small {
                let index = large.insertionIndex(of: hash)
                if index == large.count || large[index] != hash { missing += 1 }
            }
            return large.count + missing
        }
        return small.withUnsafeBufferPointer { small in
            large.withUnsafeBufferPointer { large in
                var i = 0
                var j = 0
                var union = 0
                while i < small.count && j < large.count {
                    let a = small[i]
                    let b = large[j]
                    if a <= b { i += 1 }
                    if b <= a { j += 1 }
                    union += 1
                }
                return union + (small.count - i) + (large.count - j)
            }
        }
    }
}

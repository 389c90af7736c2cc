/// Reusable storage for computing windows over live tiles once per event (the feature log), so
/// that a window is summed without copying tile accumulators or allocating merged sketches.
///
/// Gives the same values, to the bit, as merging the window's tiles into one `TileAccumulator`
/// in (tile, partition) order: numeric statistics are merged in that order with the same
/// formula; a distinct count is the size of the union of the exact hash sets while that stays
/// within `DistinctSketch.exactLimit` and no tile is a HyperLogLog, else the HyperLogLog of
/// every hash and register, which is what a chain of `DistinctSketch.merge` calls ends with.
public struct WindowScratch: Sendable {
    /// The window being summed.
    var totals = WindowTotals()
    /// The window's group of tiles of each partition that has some, and that partition's index.
    var active: [[Int64: TileAccumulator]] = []
    var activeSources: [Int] = []
    var tileOrder: [Int64] = []

    public init() {}
}

/// The statistics of one window, summed tile by tile.
struct WindowTotals: Sendable {
    var count: Int64 = 0
    var numeric: [NumericStats] = []
    var distinct: [DistinctUnion] = []
    var newest: (time: Int64, partition: Int32, offset: Int64)?
    /// Where the newest event's tile is: (source index, tile index).
    var newestTile: (source: Int, tile: Int64)?

    mutating func reset(numericSlots: Int, distinctSlots: Int) {
        count = 0
        if numeric.count != numericSlots {
            numeric = Array(repeating: NumericStats(), count: numericSlots)
        } else {
            for slot in numeric.indices { numeric[slot] = NumericStats() }
        }
        while distinct.count < distinctSlots { distinct.append(DistinctUnion()) }
        for slot in 0..<distinctSlots { distinct[slot].reset() }
        newest = nil
        newestTile = nil
    }

    mutating func add(_ tile: borrowing TileAccumulator, source: Int, tileIndex: Int64, distinctSlots: Int) {
        count += tile.count
        for slot in numeric.indices { numeric[slot].merge(tile.numeric[slot]) }
        for slot in 0..<distinctSlots { distinct[slot].add(tile.distinct[slot]) }
        if tile.hasLast {
            let candidate = (tile.lastTime, tile.lastPartition, tile.lastOffset)
            if newest.map({ candidate > $0 }) ?? true {
                newest = candidate
                newestTile = (source, tileIndex)
            }
        }
    }
}

/// The union of several distinct sketches, built in reusable storage: a hash set while the union
/// is small and exact, HyperLogLog registers from the moment it passes the exact limit or meets a
/// HyperLogLog tile (then every hash goes straight into the registers).
struct DistinctUnion: Sendable {
    private var hashes = Set<UInt64>()
    private var registers = [UInt8](repeating: 0, count: DistinctSketch.registerCount)
    private var isHyperLogLog = false

    mutating func reset() {
        hashes.removeAll(keepingCapacity: true)
        if isHyperLogLog {
            for index in registers.indices { registers[index] = 0 }
            isHyperLogLog = false
        }
    }

    mutating func add(_ sketch: borrowing DistinctSketch) {
        switch sketch {
        case .exact(let values):
            if isHyperLogLog {
                for value in values { DistinctSketch.add(value, to: &registers) }
                return
            }
            for value in values { hashes.insert(value) }
            if hashes.count > DistinctSketch.exactLimit { switchToHyperLogLog() }
        case .hyperLogLog(let theirs):
            if !isHyperLogLog { switchToHyperLogLog() }
            DistinctSketch.maxRegisters(&registers, theirs)
        }
    }

    private mutating func switchToHyperLogLog() {
        isHyperLogLog = true
        for hash in hashes { DistinctSketch.add(hash, to: &registers) }
        hashes.removeAll(keepingCapacity: true)
    }

    var count: Double {
        isHyperLogLog ? DistinctSketch.estimate(registers) : Double(hashes.count)
    }
}

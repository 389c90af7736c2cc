/// The distinct-count sets of one entity's windows across all its source partitions, kept from
/// one event to the next and slid forward with the windows (the feature log of a replay, which
/// holds every partition of an entity in one place).
///
/// A busy merchant's `distinct_cards_1h` otherwise unites thousands of hashes from every
/// partition at every event. A distinct count depends only on the set of hashes in the window,
/// not on the order they are merged in, so a kept set gives the same count as the read path's
/// union, to the bit: exact while the union holds at most `DistinctSketch.exactLimit` hashes,
/// else the estimate of the HyperLogLog of every hash. A set counts, per hash, the tile sketches
/// (of any partition) in the window that hold it, so that a tile leaving the window takes its
/// hashes out again.
///
/// A window's set is built from the tiles' union the first time the window is counted (even a
/// small union: counting it from the tiles means going through every tile sketch of every
/// partition, up to 244 for a 1 h window of 1 min tiles on 4 partitions), and then follows the
/// window forward. It is dropped when a HyperLogLog tile would take part (its hashes are
/// unknown) and when pruning could have removed one of its tiles; a read behind it (a late
/// event) is counted from the tiles and leaves it alone.
public struct EntityDistinctCaches: Sendable {
    /// Per window of the layout (`ViewLayout.windows` order); empty until first read.
    fileprivate var windows: [WindowDistinctCache] = []

    public init() {}

    /// Takes an event about to be applied to one partition's tiles (`tiles`, as they are before
    /// it) into the sets whose windows hold its tile.
    public mutating func willApply(_ event: DecodedEvent, to tiles: borrowing EntityTiles, layout: ViewLayout) {
        for index in windows.indices where windows[index].range != nil {
            let window = layout.windows[index]
            let group = layout.groups[window.group]
            let tile = group.tileIndex(of: event.eventTime)
            guard windows[index].range!.contains(tile) else { continue }
            let run = tiles.run(window.group)
            let position = run.position(of: tile)
            for (slot, field) in group.distinctFields.enumerated() where !event.values[field].isNull {
                let hash = StableHash.hash(event.values[field])
                switch position.map({ run[$0].accumulator.distinct[slot] }) {
                case nil:
                    windows[index].sets[slot].insert(hash)
                case .exact(let hashes)?:
                    let position = hashes.insertionIndex(of: hash)
                    if position < hashes.count && hashes[position] == hash { continue }
                    if hashes.count >= DistinctSketch.exactLimit {
                        windows[index].drop()  // the tile turns into a HyperLogLog
                        break
                    }
                    windows[index].sets[slot].insert(hash)
                case .hyperLogLog?:
                    windows[index].drop()
                }
                if windows[index].range == nil { break }
            }
        }
    }

    /// After an event was applied to a partition whose watermark is now `watermark`: drops the
    /// sets whose tiles the apply may have pruned.
    public mutating func didApply(layout: ViewLayout, watermark: Int64) {
        for index in windows.indices {
            guard let range = windows[index].range else { continue }
            let group = layout.groups[layout.windows[index].group]
            if range.lowerBound < group.oldestReadableTile(watermark: watermark) { windows[index].drop() }
        }
    }

    mutating func prepare(_ layout: ViewLayout) {
        if windows.count != layout.windows.count {
            windows = Array(repeating: WindowDistinctCache(), count: layout.windows.count)
        }
    }

    /// The window's counts per distinct slot at `range`, from its kept set, slid forward over the
    /// tiles `partitions` visits if needed; false when there is no set to use.
    mutating func counts(
        window index: Int, group: Int, range: ClosedRange<Int64>, into counts: inout [Double],
        partitions: ((inout EntityTiles) -> Void) -> Void
    ) -> Bool {
        guard let kept = windows[index].range else { return false }
        if kept != range {
            // Only forward, and only while the old and new windows overlap.
            guard range.lowerBound >= kept.lowerBound, range.upperBound >= kept.upperBound,
                range.lowerBound <= kept.upperBound
            else { return false }
            var usable = true
            partitions { tiles in
                guard usable else { return }
                usable = windows[index].slide(tiles.run(group), from: kept, to: range)
            }
            guard usable else {
                windows[index].drop()
                return false
            }
            windows[index].range = range
        }
        counts.removeAll(keepingCapacity: true)
        for slot in windows[index].sets.indices { counts.append(windows[index].sets[slot].count()) }
        return true
    }

    /// After a window was counted from its tiles at `range`: keeps its union for the next reads
    /// unless it is empty. A read behind a kept set (a late event) leaves it as it is.
    mutating func counted(window index: Int, range: ClosedRange<Int64>, unions: [DistinctUnion], counts: [Double]) {
        if let kept = windows[index].range, range.lowerBound < kept.lowerBound || range.upperBound < kept.upperBound {
            return
        }
        windows[index].drop()
        guard counts.contains(where: { $0 > 0 }) else { return }
        var sets: [DistinctSet] = []
        for union in unions {
            var set = DistinctSet()
            guard union.addAll(to: &set) else { return }
            sets.append(set)
        }
        windows[index].sets = sets
        windows[index].range = range
    }
}

private struct WindowDistinctCache: Sendable {
    /// The tiles the sets cover; nil when none are kept.
    var range: ClosedRange<Int64>?
    /// Per distinct slot of the window's group.
    var sets: [DistinctSet] = []

    mutating func drop() {
        range = nil
        sets = []
    }

    /// Moves one partition's tiles of the window from `old` to `new`: takes out the tiles that
    /// left, adds those that came in. False if one of them is a HyperLogLog.
    mutating func slide(_ run: TileRun, from old: ClosedRange<Int64>, to new: ClosedRange<Int64>) -> Bool {
        for position in run.positions(in: old.lowerBound..<new.lowerBound) {
            for slot in sets.indices {
                guard case .exact(let hashes) = run[position].accumulator.distinct[slot] else { return false }
                for hash in hashes { sets[slot].remove(hash) }
            }
        }
        for position in run.positions(in: (old.upperBound + 1)..<(new.upperBound + 1)) {
            for slot in sets.indices {
                guard case .exact(let hashes) = run[position].accumulator.distinct[slot] else { return false }
                for hash in hashes { sets[slot].insert(hash) }
            }
        }
        return true
    }
}

/// A multiset of distinct hashes (how many tile sketches hold each), counted like a union of
/// sketches: exactly while it holds at most `DistinctSketch.exactLimit` hashes, else as the
/// HyperLogLog of them all, whose registers and histogram are kept up to date as hashes come in
/// and rebuilt after hashes left.
struct DistinctSet: Sendable {
    /// Open addressing with linear probing; 0 marks a free slot (the hash 0 is kept apart).
    private var keys: [UInt64] = Array(repeating: 0, count: 16)
    private var references: [UInt32] = Array(repeating: 0, count: 16)
    private var zeroReferences: UInt32 = 0
    /// Distinct hashes held.
    private(set) var size = 0
    /// Empty until the set first passes the exact limit.
    private var registers: [UInt8] = []
    private var histogram: [Int32] = []
    private var registersStale = false

    mutating func insert(_ hash: UInt64) {
        if hash == 0 {
            zeroReferences += 1
            if zeroReferences == 1 { added(0) }
            return
        }
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let held = keys[slot]
            if held == hash {
                references[slot] += 1
                return
            }
            if held == 0 { break }
            slot = (slot + 1) & mask
        }
        keys[slot] = hash
        references[slot] = 1
        added(hash)
        if size * 2 > keys.count { grow() }
    }

    mutating func remove(_ hash: UInt64) {
        if hash == 0 {
            precondition(zeroReferences > 0, "removing a hash the set does not hold")
            zeroReferences -= 1
            if zeroReferences == 0 { removed() }
            return
        }
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while keys[slot] != hash {
            precondition(keys[slot] != 0, "removing a hash the set does not hold")
            slot = (slot + 1) & mask
        }
        references[slot] -= 1
        guard references[slot] == 0 else { return }
        // Backward-shift deletion: move later members of the probe run into the hole.
        var hole = slot
        var next = (slot + 1) & mask
        while keys[next] != 0 {
            let home = Int(truncatingIfNeeded: keys[next]) & mask
            // `next` may move to `hole` if its home is not cyclically within (hole, next].
            let homeAfterHole = (home - hole - 1) & mask
            let nextAfterHole = (next - hole - 1) & mask
            if homeAfterHole > nextAfterHole {
                keys[hole] = keys[next]
                references[hole] = references[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        keys[hole] = 0
        references[hole] = 0
        removed()
    }

    mutating func count() -> Double {
        guard size > DistinctSketch.exactLimit else { return Double(size) }
        if registers.isEmpty || registersStale { rebuildRegisters() }
        return DistinctSketch.estimate(histogram: histogram)
    }

    private mutating func added(_ hash: UInt64) {
        size += 1
        guard !registers.isEmpty, !registersStale else { return }
        let index = Int(hash >> UInt64(64 - DistinctSketch.precision))
        let rest = hash << UInt64(DistinctSketch.precision)
        let rank = UInt8(min(rest.leadingZeroBitCount, 64 - DistinctSketch.precision) + 1)
        let old = registers[index]
        if rank > old {
            registers[index] = rank
            histogram[Int(old)] -= 1
            histogram[Int(rank)] += 1
        }
    }

    private mutating func removed() {
        size -= 1
        registersStale = true
    }

    private mutating func rebuildRegisters() {
        registers = Array(repeating: 0, count: DistinctSketch.registerCount)
        for hash in keys where hash != 0 { DistinctSketch.add(hash, to: &registers) }
        if zeroReferences > 0 { DistinctSketch.add(0, to: &registers) }
        histogram = Array(repeating: 0, count: 64)
        for register in registers { histogram[Int(register)] += 1 }
        registersStale = false
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldReferences = references
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        references = Array(repeating: 0, count: oldKeys.count * 2)
        let mask = keys.count - 1
        for (index, hash) in oldKeys.enumerated() where hash != 0 {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while keys[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = hash
            references[slot] = oldReferences[index]
        }
    }
}

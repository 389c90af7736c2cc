import SluiceCore
import Testing

@Suite("Tile runs")
struct TileRunTests {
    let group = Fixtures.layout.groups[0]

    /// A run built from tiles inserted in random order, with each tile's event count equal to
    /// the number of times it was inserted.
    private func run(inserting tiles: [Int64]) -> TileRun {
        var run = TileRun()
        for tile in tiles {
            let position = run.positionInserting(tile, empty: group.emptyAccumulator())
            let event = Fixtures.event(at: tile * group.tileSize)
            run.add(at: position, event.values, eventTime: event.eventTime, partition: 0, offset: 0, group: group)
        }
        return run
    }

    @Test("tiles stay in ascending order whatever order they arrive in, with one accumulator each")
    func ordered() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let tiles = (0..<40).map { _ in Int64.random(in: -20...20, using: &generator) }
            let run = run(inserting: tiles)
            let expected = Dictionary(grouping: tiles, by: { $0 }).mapValues(\.count)
            #expect(run.indexes == expected.keys.sorted())
            for (tile, count) in expected { #expect(run[tile]?.count == Int64(count)) }
            #expect(run[21] == nil && run[-21] == nil)
        }
    }

    @Test("positions in closed and half-open ranges, and dropping a prefix")
    func ranges() {
        var run = run(inserting: [10, 3, 7, 5, 12])
        #expect(run.positions(in: Int64(4)...10).map { run.indexes[$0] } == [5, 7, 10])
        #expect(run.positions(in: Int64(4)..<10).map { run.indexes[$0] } == [5, 7])
        #expect(run.positions(in: Int64(13)...20).isEmpty)
        #expect(run.positions(in: Int64(0)...2).isEmpty)
        #expect(run.positions(in: Int64(8)...9).isEmpty)
        #expect(run.firstPosition(atOrAbove: 8) == 3)
        #expect(run.lowestTile == 3)
        run.removeFirst(run.firstPosition(atOrAbove: 7))
        #expect(run.indexes == [7, 10, 12])
        #expect(run.entries.count == 3)
        run.removeFirst(3)
        #expect(run.isEmpty && run.lowestTile == .max)
    }
}

@Suite("Change tracking")
struct ChangeTrackingTests {
    let layout = Fixtures.layout

    private func drain(_ tiles: inout EntityTiles) -> (writes: [EntityTiles.TileKey], deletes: [EntityTiles.TileKey]) {
        var writes: [EntityTiles.TileKey] = [], deletes: [EntityTiles.TileKey] = []
        tiles.drainChanges(writes: &writes, deletes: &deletes)
        return (writes, deletes)
    }

    @Test("changed tiles are listed once, in (group, tile) order, until drained")
    func changedTilesOnce() {
        var tiles = EntityTiles(groupCount: layout.groups.count)
        let t: Int64 = 100 * Fixtures.hour
        // Out of order and repeated: two 1 s tiles, one 1 min tile, one 1 h tile.
        let times = [t + 5_000, t + 1_000, t + 5_500, t + 1_200]
        for (offset, time) in times.enumerated() {
            let becameDirty = tiles.apply(Fixtures.event(at: time), partition: 0, offset: Int64(offset), layout: layout)
            #expect(becameDirty == (offset == 0))
        }
        let expected = layout.groups.indices.flatMap { group in
            Set(times.map { layout.groups[group].tileIndex(of: $0) }).sorted().map { EntityTiles.TileKey(group: group, tile: $0) }
        }
        let first = drain(&tiles)
        #expect(first.writes == expected)
        #expect(first.deletes.isEmpty)
        #expect(!tiles.hasChanges)
        let second = drain(&tiles)
        #expect(second.writes.isEmpty && second.deletes.isEmpty)
        let dirtyAgain = tiles.apply(Fixtures.event(at: t + 5_000), partition: 0, offset: 4, layout: layout)
        #expect(dirtyAgain, "the first change after a drain makes the entity dirty again")
    }

    @Test("pruned tiles are listed as deletes, and state that tracks nothing lists nothing")
    func prunedAndUntracked() {
        var tracked = EntityTiles(groupCount: layout.groups.count)
        var untracked = EntityTiles(groupCount: layout.groups.count, tracksChanges: false)
        let t: Int64 = 100 * Fixtures.hour
        tracked.apply(Fixtures.event(at: t), partition: 0, offset: 0, layout: layout)
        untracked.apply(Fixtures.event(at: t), partition: 0, offset: 0, layout: layout)
        _ = drain(&tracked)
        // Two days later the first event's tiles are out of every window.
        let later = t + 48 * Fixtures.hour
        tracked.apply(Fixtures.event(at: later), partition: 0, offset: 1, layout: layout, watermark: later)
        untracked.apply(Fixtures.event(at: later), partition: 0, offset: 1, layout: layout, watermark: later)
        let changes = drain(&tracked)
        let old = layout.groups.indices.map { EntityTiles.TileKey(group: $0, tile: layout.groups[$0].tileIndex(of: t)) }
        let new = layout.groups.indices.map { EntityTiles.TileKey(group: $0, tile: layout.groups[$0].tileIndex(of: later)) }
        #expect(changes.deletes == old)
        #expect(changes.writes == new)
        #expect(tracked.groups == untracked.groups)
        let none = drain(&untracked)
        #expect(none.writes.isEmpty && none.deletes.isEmpty && !untracked.hasChanges)
    }

    @Test("a tile made and pruned between two drains never reached the store, so it is not deleted")
    func prunedBeforeDrained() {
        var tiles = EntityTiles(groupCount: layout.groups.count)
        let t: Int64 = 100 * Fixtures.hour
        tiles.apply(Fixtures.event(at: t), partition: 0, offset: 0, layout: layout)
        let later = t + 48 * Fixtures.hour
        tiles.apply(Fixtures.event(at: later), partition: 0, offset: 1, layout: layout, watermark: later)
        let changes = drain(&tiles)
        #expect(changes.deletes.isEmpty)
        #expect(changes.writes == layout.groups.indices.map { EntityTiles.TileKey(group: $0, tile: layout.groups[$0].tileIndex(of: later)) })
        // Tiles read back from the store are in it: pruning them needs deletes.
        var loaded = EntityTiles(groupCount: layout.groups.count, tiles: tiles.storedTiles(partition: 0))
        let muchLater = later + 48 * Fixtures.hour
        loaded.apply(Fixtures.event(at: muchLater), partition: 0, offset: 2, layout: layout, watermark: muchLater)
        #expect(drain(&loaded).deletes == changes.writes)
    }

    /// Draining looks only at the end of each run, from the lowest position changed since the
    /// last drain; tiles inserted below it and prefixes pruned must move that position along.
    @Test("random out-of-order events, pruning and drains list exactly the changed tiles that remain and the stored tiles that went")
    func randomAgainstModel() {
        var generator = SystemRandomNumberGenerator()
        let t: Int64 = 100 * Fixtures.hour
        for _ in 0..<30 {
            var tiles = EntityTiles(groupCount: layout.groups.count)
            var changed = Set<EntityTiles.TileKey>()
            // What the store holds, as the drains' writes and deletes leave it.
            var stored = Set<EntityTiles.TileKey>()
            var newest = Int64.min
            for offset in 0..<300 {
                // Mostly forward in time, sometimes far back (late but within lateness or not).
                let time = t + Int64(offset) * 20_000 - (Bool.random(using: &generator) ? Int64.random(in: 0...3_600_000, using: &generator) : 0)
                newest = max(newest, time)
                let watermark = Int.random(in: 0..<10, using: &generator) == 0 ? newest - 120_000 : nil
                tiles.apply(Fixtures.event(at: time), partition: 0, offset: Int64(offset), layout: layout, watermark: watermark)
                for group in layout.groups.indices { changed.insert(EntityTiles.TileKey(group: group, tile: layout.groups[group].tileIndex(of: time))) }
                guard Int.random(in: 0..<7, using: &generator) == 0 else { continue }
                let remaining = layout.groups.indices.flatMap { group in
                    tiles.groups[group].indexes.map { EntityTiles.TileKey(group: group, tile: $0) }
                }
                let expected = remaining.filter { changed.contains($0) }
                let drained = drain(&tiles)
                #expect(drained.writes == expected)
                // Deleted: exactly the stored tiles that are gone, in (group, tile) order.
                let gone = stored.subtracting(remaining).sorted { ($0.group, $0.tile) < ($1.group, $1.tile) }
                #expect(drained.deletes == gone)
                stored.formUnion(drained.writes)
                stored.subtract(drained.deletes)
                changed.removeAll()
            }
        }
    }
}

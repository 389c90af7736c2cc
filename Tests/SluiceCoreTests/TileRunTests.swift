import SluiceCore
import SluiceCoreTesting
import Testing

@Suite("Tile runs")
struct TileRunTests {
    let layout = Fixtures.layout
    var group: TileGroup { layout.groups[0] }

    /// An entity's tiles after one event per element of `tiles`, each at the start of that tile
    /// of group 0 (the other groups get tiles of their own, in the same array): each group-0
    /// tile's event count is the number of times it was listed.
    private func tiles(inserting tiles: [Int64]) -> EntityTiles {
        var entity = EntityTiles(groupCount: layout.groups.count)
        for (offset, tile) in tiles.enumerated() {
            entity.apply(Fixtures.event(at: tile * group.tileSize), partition: 0, offset: Int64(offset), layout: layout)
        }
        return entity
    }

    @Test("tiles stay in ascending order whatever order they arrive in, with one accumulator each, per group")
    func ordered() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let inserted = (0..<40).map { _ in Int64.random(in: -20...20, using: &generator) }
            let entity = tiles(inserting: inserted)
            let run = entity.run(0)
            let expected = Dictionary(grouping: inserted, by: { $0 }).mapValues(\.count)
            #expect(run.indexes == expected.keys.sorted())
            for (tile, count) in expected { #expect(run[tile: tile]?.count == Int64(count)) }
            #expect(run[tile: 21] == nil && run[tile: -21] == nil)
            for groupIndex in layout.groups.indices {
                let times = inserted.map { $0 * group.tileSize }
                #expect(
                    entity.run(groupIndex).indexes
                        == Set(times.map { layout.groups[groupIndex].tileIndex(of: $0) }).sorted())
                #expect(
                    entity.run(groupIndex).withEntries { $0.reduce(0) { $0 + $1.accumulator.count } }
                        == Int64(inserted.count))
            }
        }
    }

    @Test("positions in closed and half-open ranges, and dropping a prefix")
    func ranges() {
        var entity = tiles(inserting: [10, 3, 7, 5, 12])
        let run = entity.run(0)
        #expect(run.positions(in: Int64(4)...10).map { run.indexes[$0] } == [5, 7, 10])
        #expect(run.positions(in: Int64(4)..<10).map { run.indexes[$0] } == [5, 7])
        #expect(run.positions(in: Int64(13)...20).isEmpty)
        #expect(run.positions(in: Int64(0)...2).isEmpty)
        #expect(run.positions(in: Int64(8)...9).isEmpty)
        #expect(run.firstPosition(atOrAbove: 8) == 3)
        #expect(run.lowestTile == 3)
        // The watermark at which group 0's oldest readable tile is tile 7.
        entity.prune(watermark: 7 * group.tileSize + group.longestWindow, layout: layout)
        #expect(entity.run(0).indexes == [7, 10, 12])
        #expect(entity.run(0).entries.count == 3)
        entity.prune(watermark: 13 * group.tileSize + group.longestWindow, layout: layout)
        #expect(entity.run(0).isEmpty && entity.run(0).lowestTile == .max)
    }
}

@Suite("Change tracking")
struct ChangeTrackingTests {
    let layout = Fixtures.layout

    private func drain(_ tiles: inout EntityTiles) -> (writes: [EntityTiles.TileKey], deletes: [EntityTiles.TileKey]) {
        var writes: [EntityTiles.TileKey] = []
        var deletes: [EntityTiles.TileKey] = []
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
            Set(times.map { layout.groups[group].tileIndex(of: $0) }).sorted().map {
                EntityTiles.TileKey(group: group, tile: $0)
            }
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

    @Test("tile runs: groups without distinct sets are stored as runs, the others tile by tile")
    func runGroups() {
        #expect(layout.groups.map(\.storesRun) == [true, true, false])
    }

    @Test(
        "pruned tiles are listed as deletes (in a run, the run is written again), and state that tracks nothing lists nothing"
    )
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
        let new = layout.groups.indices.map {
            EntityTiles.TileKey(group: $0, tile: layout.groups[$0].tileIndex(of: later))
        }
        #expect(changes.deletes == old.filter { !layout.groups[$0.group].storesRun })
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
        #expect(
            changes.writes
                == layout.groups.indices.map {
                    EntityTiles.TileKey(group: $0, tile: layout.groups[$0].tileIndex(of: later))
                })
        // Tiles read back from the store are in it: pruning them needs deletes.
        var loaded = EntityTiles(groupCount: layout.groups.count, tiles: tiles.storedTiles(partition: 0))
        let muchLater = later + 48 * Fixtures.hour
        loaded.apply(Fixtures.event(at: muchLater), partition: 0, offset: 2, layout: layout, watermark: muchLater)
        #expect(drain(&loaded).deletes == changes.writes.filter { !layout.groups[$0.group].storesRun })
    }

    /// Draining looks only at the end of each run, from the lowest position changed since the
    /// last drain; tiles inserted below it and prefixes pruned must move that position along.
    @Test(
        "random out-of-order events, pruning and drains list exactly the changed tiles that remain and the stored tiles that went"
    )
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
                let time =
                    t + Int64(offset) * 20_000
                    - (Bool.random(using: &generator) ? Int64.random(in: 0...3_600_000, using: &generator) : 0)
                newest = max(newest, time)
                let watermark = Int.random(in: 0..<10, using: &generator) == 0 ? newest - 120_000 : nil
                tiles.apply(
                    Fixtures.event(at: time), partition: 0, offset: Int64(offset), layout: layout, watermark: watermark)
                for group in layout.groups.indices {
                    changed.insert(EntityTiles.TileKey(group: group, tile: layout.groups[group].tileIndex(of: time)))
                }
                guard Int.random(in: 0..<7, using: &generator) == 0 else { continue }
                let remaining = layout.groups.indices.flatMap { group in
                    tiles.groups[group].indexes.map { EntityTiles.TileKey(group: group, tile: $0) }
                }
                // A group stored as a tile run changed with every event (each touches all groups):
                // it is written whole, and what it dropped goes with the old run, not by deletes.
                let isRun = { (key: EntityTiles.TileKey) in layout.groups[key.group].storesRun }
                let expected = remaining.filter { isRun($0) || changed.contains($0) }
                let drained = drain(&tiles)
                #expect(drained.writes == expected)
                // Deleted: exactly the stored tiles that are gone, in (group, tile) order.
                let gone = stored.subtracting(remaining).filter { !isRun($0) }.sorted {
                    ($0.group, $0.tile) < ($1.group, $1.tile)
                }
                #expect(drained.deletes == gone)
                stored = stored.filter { !isRun($0) }
                stored.formUnion(drained.writes)
                stored.subtract(drained.deletes)
                changed.removeAll()
            }
        }
    }
}

import SluiceCore
import SluiceCoreTesting
import Testing

@Suite("Tiles and windows")
struct WindowTests {
    let base: Int64 = 1_700_000_000_000  // a multiple of 1 s, 1 min and 1 h? 1_700_000_000_000 % 3_600_000 == 800_000

    @Test("tile k of size g holds k·g <= ts < (k+1)·g, also before the epoch")
    func tileIndexes() {
        let group = Fixtures.layout.groups[0]  // 1 s tiles
        #expect(group.tileSize == 1000)
        #expect(group.tileIndex(of: 0) == 0)
        #expect(group.tileIndex(of: 999) == 0)
        #expect(group.tileIndex(of: 1000) == 1)
        #expect(group.tileIndex(of: -1) == -1)
        #expect(group.tileIndex(of: -1000) == -1)
        #expect(group.tileIndex(of: -1001) == -2)
    }

    @Test("a window of W read at T covers tiles floor((T-W)/g) ... floor(T/g)")
    func coveredTiles() {
        let group = Fixtures.layout.groups[0]
        #expect(group.tiles(window: 60_000, at: 120_000) == 60...120)
        #expect(group.tiles(window: 60_000, at: 120_999) == 60...120)
        #expect(group.tiles(window: 60_000, at: 121_000) == 61...121)
    }

    @Test("events on both sides of a window edge")
    func windowEdges() {
        let t: Int64 = 10_000_000
        // 1m window, 1s tiles, read at T = t: tiles (t-60000)/1000 ... t/1000, i.e. ts in [t-60000, t+999].
        let events = [
            Fixtures.event(at: t - 60_001),  // tile just before the window
            Fixtures.event(at: t - 60_000),  // first tile of the window
            Fixtures.event(at: t),
            Fixtures.event(at: t + 999),  // same tile as T: counted
            Fixtures.event(at: t + 1000),  // next tile: not counted
        ]
        let features = Fixtures.features(events, at: t)
        #expect(features["txn_count_1m"] == 3)
    }

    @Test("reads compute the window at read time: old activity reads as zero later")
    func windowMovesWithReadTime() {
        let t: Int64 = 100 * Fixtures.hour
        let events = [Fixtures.event(amount: 5, at: t), Fixtures.event(amount: 7, at: t + 1000)]
        let now = Fixtures.features(events, at: t + 2000)
        #expect(now["txn_count_1m"] == 2)
        #expect(now["txn_count_1h"] == 2)
        #expect(now["amount_sum_1h"] == 12)
        let twoHoursLater = Fixtures.features(events, at: t + 2 * Fixtures.hour)
        #expect(twoHoursLater["txn_count_1m"] == 0)
        #expect(twoHoursLater["txn_count_1h"] == 0)
        #expect(twoHoursLater["amount_sum_1h"] == 0)
        #expect(twoHoursLater["amount_avg_1h"] == .some(nil))
        #expect(twoHoursLater["amount_max_1h"] == .some(nil))
        // The 24h window still holds them.
        #expect(twoHoursLater["amount_min_24h"] == 5)
        #expect(twoHoursLater["last_amount"] == 7)
        #expect(twoHoursLater["secs_since_last_txn"] == Double(2 * Fixtures.hour - 1000) / 1000)
    }

    @Test("an unknown entity reads counts and sums as 0 and the rest as null")
    func emptyEntity() {
        let features = Fixtures.features([], at: 1_000_000)
        #expect(features["txn_count_1m"] == 0)
        #expect(features["amount_sum_1h"] == 0)
        #expect(features["distinct_merchants_24h"] == 0)
        for name in [
            "amount_avg_1h", "amount_max_1h", "amount_min_24h", "amount_std_24h", "secs_since_last_txn", "last_amount",
        ] {
            #expect(features[name] == .some(nil), "\(name)")
        }
    }

    @Test("aggregations over one window")
    func aggregations() {
        let t: Int64 = 50 * Fixtures.hour
        let amounts: [Double] = [10, 20, 30, 45.5]
        let events = amounts.enumerated().map { index, amount in
            Fixtures.event(merchant: index < 2 ? "m1" : "m\(index)", amount: amount, at: t + Int64(index) * 1000)
        }
        let features = Fixtures.features(events, at: t + 10_000)
        #expect(features["txn_count_1h"] == 4)
        #expect(features["amount_sum_1h"] == 105.5)
        #expect(features["amount_avg_1h"] == 26.375)
        #expect(features["amount_max_1h"] == 45.5)
        #expect(features["amount_min_24h"] == 10)
        let mean = 105.5 / 4
        let variance = amounts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
        #expect(abs(features["amount_std_24h"]!! - variance.squareRoot()) < 1e-12)
        #expect(features["distinct_merchants_24h"] == 3)
        #expect(features["last_amount"] == 45.5)
        #expect(features["secs_since_last_txn"] == 7)
    }

    @Test("out-of-order events: last is the newest by event time; ties go to the later offset")
    func lastValueOrdering() {
        let t: Int64 = 60 * Fixtures.hour
        let events = [
            Fixtures.event(amount: 1, at: t + 5000),
            Fixtures.event(amount: 2, at: t + 1000),  // older, arrives later
            Fixtures.event(amount: 3, at: t + 5000),  // same time, later offset: wins
            Fixtures.event(amount: 4, at: t + 4000),
        ]
        let features = Fixtures.features(events, at: t + 6000)
        #expect(features["last_amount"] == 3)
        #expect(features["secs_since_last_txn"] == 1)
        #expect(features["txn_count_1m"] == 4)
    }

    @Test("time since last is never negative when reading before the newest event")
    func timeSinceLastClamped() {
        let t: Int64 = 70 * Fixtures.hour
        let features = Fixtures.features([Fixtures.event(at: t + 500)], at: t)
        #expect(features["secs_since_last_txn"] == 0)
    }

    @Test("lateness: the watermark is the newest event time minus the allowed lateness")
    func lateness() {
        var clock = PartitionClock()
        #expect(!clock.isLate(0, lateness: 120_000))
        clock.advance(to: 1_000_000)
        clock.advance(to: 900_000)
        #expect(clock.newestEventTime == 1_000_000)
        #expect(clock.watermark(lateness: 120_000) == 880_000)
        #expect(!clock.isLate(880_000, lateness: 120_000))
        #expect(clock.isLate(879_999, lateness: 120_000))
    }

    @Test("pruning keeps exactly the tiles a read at or after the watermark can cover")
    func pruning() {
        let layout = Fixtures.layout
        var tiles = EntityTiles(groupCount: layout.groups.count)
        let t: Int64 = 200 * Fixtures.hour
        for second in stride(from: Int64(0), to: 3 * 3600, by: 30) {
            tiles.apply(Fixtures.event(at: t + second * 1000), partition: 0, offset: second, layout: layout)
        }
        let watermark = t + 3 * Fixtures.hour - 2 * Fixtures.minute
        let readTimes = [watermark, watermark + 30 * Fixtures.minute]
        let before = readTimes.map { FeatureCalculator.compute(layout, tiles: tiles.storedTiles(partition: 0), at: $0) }
        var writes: [EntityTiles.TileKey] = []
        var deletes: [EntityTiles.TileKey] = []
        tiles.drainChanges(writes: &writes, deletes: &deletes)
        writes.removeAll()
        tiles.prune(watermark: watermark, layout: layout)
        tiles.drainChanges(writes: &writes, deletes: &deletes)
        // A group stored as one tile run is written again without its pruned tiles; the
        // others' pruned tiles are deleted. This one prunes in its run groups only.
        #expect(!writes.isEmpty, "pruning removed nothing")
        #expect(deletes.isEmpty)
        for group in layout.groups.indices {
            let written = writes.filter { $0.group == group }.map(\.tile)
            #expect(written == (layout.groups[group].storesRun && !written.isEmpty ? tiles.groups[group].indexes : []))
        }
        for group in layout.groups.indices {
            let oldest = layout.groups[group].oldestReadableTile(watermark: watermark)
            #expect(tiles.groups[group].indexes.allSatisfy { $0 >= oldest })
        }
        let after = readTimes.map { FeatureCalculator.compute(layout, tiles: tiles.storedTiles(partition: 0), at: $0) }
        #expect(after == before)
    }
}

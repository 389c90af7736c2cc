import SluiceCore
import SluiceCoreTesting
import SluiceOnlineStore
import Testing

@Suite("Tile codec: values and field names as stored in Redis")
struct TileCodecTests {
    @Test("tiles survive encoding, HyperLogLog and every value kind included")
    func codecRoundTrip() throws {
        let layout = Fixtures.layout
        let tiles = Fixtures.tiles(
            (0..<1500).map { Fixtures.event(merchant: "m\($0)", amount: Double($0) * 1.25, at: 1_000_000 + Int64($0)) },
            partition: 3)
        for (groupIndex, group) in layout.groups.enumerated() {
            for accumulator in tiles.groups[groupIndex].entries.map(\.accumulator) {
                let bytes = TileCodec.encode(accumulator)
                #expect(try TileCodec.decode(bytes, group: group) == accumulator)
                #expect(throws: TileCodec.DecodingError.self) { try TileCodec.decode(bytes.dropLast(), group: group) }
            }
        }
    }

    @Test("tile runs survive encoding: every tile of a group, in order, with long tiles too")
    func runRoundTrip() throws {
        let layout = Fixtures.layout
        let tiles = Fixtures.tiles(
            (0..<200).map {
                Fixtures.event(
                    merchant: "m\($0 % 30)", amount: Double($0) * 0.5, at: 50 * Fixtures.hour + Int64($0) * 700)
            },
            partition: 1)
        // Group 2 holds distinct sets and is not stored as a run, but a run of it must round-trip
        // as well: its tiles are longer than 127 bytes, which takes a two-byte length.
        for (groupIndex, group) in layout.groups.enumerated() {
            let run = tiles.run(groupIndex)
            var bytes: [UInt8] = []
            TileCodec.encodeRun(run, into: &bytes)
            let decoded = try TileCodec.decodeRun(bytes, group: group)
            #expect(decoded.map(\.tile) == run.indexes)
            #expect(decoded.map(\.accumulator) == run.entries.map(\.accumulator))
            #expect(throws: TileCodec.DecodingError.self) {
                try TileCodec.decodeRun(Array(bytes.dropLast()), group: group)
            }
            #expect(throws: TileCodec.DecodingError.self) { try TileCodec.decodeRun(bytes + [0], group: group) }
            if groupIndex == 2 { #expect(run.entries.contains { TileCodec.encode($0.accumulator).count > 127 }) }
        }
        var empty: [UInt8] = []
        TileCodec.encodeRun(EntityTiles(groupCount: 1).run(0), into: &empty)
        #expect(try TileCodec.decodeRun(empty, group: layout.groups[0]).isEmpty)
    }

    @Test("decoding over tiles of earlier reads, whatever their shape, equals decoding afresh")
    func decodeOverEarlierTiles() throws {
        let layout = Fixtures.layout
        // Many merchants in one tile (a HyperLogLog), then few over many tiles (exact sets).
        let crowded = (0..<1500).map { (index: Int) in
            Fixtures.event(merchant: "m\(index)", amount: Double(index) * 1.25, at: 1_000_000 + Int64(index))
        }
        let spread = (0..<40).map { (index: Int) in
            Fixtures.event(merchant: "m\(index % 7)", amount: Double(index), at: 9 * Fixtures.hour + Int64(index) * 900)
        }
        let tiles = Fixtures.tiles(crowded + spread, partition: 3)
        // Every stored tile of every group (exact sets and HyperLogLogs, with and without a
        // newest event), in an order that mixes groups and shapes.
        var encoded: [(group: Int, tile: Int64, bytes: [UInt8], fresh: TileAccumulator)] = []
        for (groupIndex, group) in layout.groups.enumerated() {
            let run = tiles.run(groupIndex)
            for (tile, entry) in zip(run.indexes, run.entries) {
                let bytes = TileCodec.encode(entry.accumulator)
                encoded.append((groupIndex, tile, bytes, try TileCodec.decode(bytes, group: group)))
            }
        }
        encoded.append(
            (0, 0, TileCodec.encode(layout.groups[0].emptyAccumulator()), layout.groups[0].emptyAccumulator()))
        var random = SeededRandom(seed: 7)
        let order = encoded.indices.shuffled(using: &random)
        #expect(Set(encoded.map(\.group)).count == layout.groups.count)

        var reused = TileAccumulator(numericSlots: 0, distinctSlots: 0, lastSlots: 0)
        for index in order {
            try TileCodec.decode(encoded[index].bytes, group: layout.groups[encoded[index].group], into: &reused)
            #expect(reused == encoded[index].fresh)
        }

        // Reads of 0 to 12 tiles into one buffer: each read's tiles are exactly its own.
        var buffer = StoredTileBuffer()
        var start = 0
        for count in [5, 12, 0, 3, 12, 1, 7] {
            let read = (0..<count).map { order[(start + $0) % order.count] }
            start += count
            buffer.begin()
            for index in read {
                try buffer.decode(
                    encoded[index].bytes, layout: layout, group: encoded[index].group, tile: encoded[index].tile,
                    partition: 3)
            }
            buffer.end()
            #expect(
                buffer.tiles
                    == read.map {
                        StoredTile(
                            group: encoded[$0].group, tile: encoded[$0].tile, partition: 3,
                            accumulator: encoded[$0].fresh)
                    })
        }
    }

    @Test("field names carry tile size, index (or * for a tile run) and partition")
    func fieldNames() {
        let name = TileFieldNames.fieldName(tileSize: 60_000, tile: -12, partition: 7)
        #expect(name == "60000:-12:7")
        #expect(TileFieldNames.parseFieldName(Array(name.utf8))! == (60_000, -12, 7))
        #expect(TileFieldNames.parseFieldName(Array("o:3".utf8)) == nil)
        #expect(TileFieldNames.parseFieldName(Array("1:2".utf8)) == nil)
        var run: [UInt8] = []
        TileFieldNames.appendRunFieldName(tileSize: 1000, partition: 3, to: &run)
        #expect(String(decoding: run, as: UTF8.self) == "1000:*:3")
        #expect(TileFieldNames.parseRunFieldName(run)! == (1000, 3))
        #expect(TileFieldNames.parseFieldName(run) == nil)
        #expect(TileFieldNames.parseRunFieldName(Array(name.utf8)) == nil)
        #expect(TileFieldNames.parseRunFieldName(Array("o:3".utf8)) == nil)
        #expect(TileFieldNames.parseRunFieldName(Array("1000:*:".utf8)) == nil)
    }
}

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

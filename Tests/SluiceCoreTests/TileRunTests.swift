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

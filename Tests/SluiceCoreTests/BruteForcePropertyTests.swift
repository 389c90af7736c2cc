import SluiceCore
import SluiceCoreTesting
import Testing

/// The tiled computation against a direct computation over the raw events, on random event sets
/// spread over several partitions, read at random times.
@Suite("Tiled features equal a brute-force computation")
struct BruteForcePropertyTests {
    struct RawEvent {
        let event: DecodedEvent
        let partition: Int32
        let offset: Int64
        var amount: Double { event.values[3].doubleValue! }
        var merchant: String { event.values[2].stringValue! }
    }

    /// Direct evaluation of the window rules: events whose tile lies in floor((T-W)/g) ... floor(T/g).
    static func bruteForce(_ feature: FeatureSpec, events: [RawEvent], at time: Int64) -> Double? {
        let first = floorDivide(time - feature.window, feature.tile)
        let last = floorDivide(time, feature.tile)
        let inWindow = events.filter { (first...last).contains(floorDivide($0.event.eventTime, feature.tile)) }
        let amounts = inWindow.map(\.amount)
        let newest = inWindow.max {
            ($0.event.eventTime, $0.partition, $0.offset) < ($1.event.eventTime, $1.partition, $1.offset)
        }
        switch feature.aggregation {
        case .count: return Double(inWindow.count)
        case .sum: return amounts.reduce(0, +)
        case .mean: return amounts.isEmpty ? nil : amounts.reduce(0, +) / Double(amounts.count)
        case .min: return amounts.min()
        case .max: return amounts.max()
        case .stddev:
            guard !amounts.isEmpty else { return nil }
            let mean = amounts.reduce(0, +) / Double(amounts.count)
            return (amounts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(amounts.count)).squareRoot()
        case .distinctCount: return Double(Set(inWindow.map(\.merchant)).count)
        case .last: return newest?.amount
        case .timeSinceLast: return newest.map { Double(max(0, time - $0.event.eventTime)) / 1000 }
        }
    }

    @Test("random event sets over several partitions", arguments: 0..<40)
    func randomEventSets(_ seed: Int) {
        var random = SplitMix(seed: UInt64(seed) &* 7919 &+ 1)
        let base: Int64 = 1_700_000_000_000 + Int64(random.next() % 86_400_000)
        let spread = [Int64(90_000), 2 * Fixtures.hour, 30 * Fixtures.hour][seed % 3]
        let partitions = Int32(1 + seed % 4)
        var events: [RawEvent] = []
        var nextOffset = [Int64](repeating: 0, count: Int(partitions))
        for _ in 0..<(1 + Int(random.next() % 300)) {
            let partition = Int32(random.next() % UInt64(partitions))
            // Amounts on a cent grid, some repeated timestamps to exercise ties.
            let time = base + Int64(random.next() % UInt64(spread)) / 500 * 500
            let amount = Double(random.next() % 100_000) / 100
            let event = Fixtures.event(merchant: "m\(random.next() % 40)", amount: amount, at: time)
            events.append(RawEvent(event: event, partition: partition, offset: nextOffset[Int(partition)]))
            nextOffset[Int(partition)] += 1
        }
        // Each partition builds its own tiles, as separate processes would.
        var stored: [StoredTile] = []
        var live: [EntityTiles] = []
        for partition in 0..<partitions {
            var tiles = EntityTiles(groupCount: Fixtures.layout.groups.count)
            for raw in events where raw.partition == partition {
                tiles.apply(raw.event, partition: partition, offset: raw.offset, layout: Fixtures.layout)
            }
            stored += tiles.storedTiles(partition: partition)
            live.append(tiles)
        }
        var scratch = WindowScratch()
        var fromLive: [Double?] = []
        for _ in 0..<5 {
            let readTime = base + Int64(random.next() % UInt64(spread + 2 * Fixtures.hour)) - Fixtures.hour
            let values = FeatureCalculator.compute(
                Fixtures.layout, tiles: stored.shuffled(using: &random), at: readTime)
            // The feature log's path over live tiles gives the same bits as the read path.
            FeatureCalculator.compute(Fixtures.layout, sources: &live, at: readTime, scratch: &scratch, into: &fromLive)
            #expect(
                zip(values, fromLive).allSatisfy { FeatureLogRow.sameFeature($0, $1) },
                "live \(fromLive) vs stored \(values)")
            for (feature, value) in zip(Fixtures.cardView.features, values) {
                let expected = Self.bruteForce(feature, events: events, at: readTime)
                switch (value, expected) {
                case (nil, nil): break
                case (let value?, let expected?):
                    #expect(
                        abs(value - expected) <= 1e-9 * max(1, abs(expected)),
                        "\(feature.name) at \(readTime): \(value) vs \(expected)")
                default:
                    Issue.record(
                        "\(feature.name) at \(readTime): \(String(describing: value)) vs \(String(describing: expected))"
                    )
                }
            }
        }
    }

    @Test(
        "distinct counts over live tiles switch to HyperLogLog exactly as merged sketches do",
        arguments: [900, 1_100, 5_000])
    func distinctUnionAcrossPartitions(merchants: Int) {
        let base: Int64 = 1_700_000_000_000
        var live: [EntityTiles] = []
        var stored: [StoredTile] = []
        for partition in Int32(0)..<3 {
            var tiles = EntityTiles(groupCount: Fixtures.layout.groups.count)
            for index in 0..<merchants {
                // Overlapping merchant sets across partitions and hours.
                let merchant = "m\((index * 7 + Int(partition) * merchants / 3) % merchants)"
                let event = Fixtures.event(
                    merchant: merchant, amount: Double(index % 97),
                    at: base + Int64(index % 5) * Fixtures.hour + Int64(index))
                tiles.apply(event, partition: partition, offset: Int64(index), layout: Fixtures.layout)
            }
            stored += tiles.storedTiles(partition: partition)
            live.append(tiles)
        }
        var scratch = WindowScratch()
        var fromLive: [Double?] = []
        for readTime in [base + 5 * Fixtures.hour, base + 2 * Fixtures.hour] {
            let values = FeatureCalculator.compute(Fixtures.layout, tiles: stored, at: readTime)
            FeatureCalculator.compute(Fixtures.layout, sources: &live, at: readTime, scratch: &scratch, into: &fromLive)
            #expect(
                zip(values, fromLive).allSatisfy { FeatureLogRow.sameFeature($0, $1) },
                "live \(fromLive) vs stored \(values)")
        }
    }

    /// The feature log reads each entity once per event and keeps the fold of each window's closed
    /// tiles between reads; replay also keeps each window's distinct set across partitions and
    /// slides it with the window. Events arrive out of order (within and past the lateness), old
    /// tiles are pruned, tiles turn into HyperLogLogs, unions pass the exact limit and reads move
    /// back and forth in time: every read must still give the bits the read path gives over the
    /// same tiles.
    @Test("live reads that keep window folds and distinct sets between events equal the read path", arguments: 0..<32)
    func keptFoldsFollowEveryChange(_ seed: Int) {
        var random = SplitMix(seed: UInt64(seed) &* 104_729 &+ 17)
        let base: Int64 = 1_700_000_000_000
        let partitions = Int32(1 + seed % 3)
        // Variants: the usual pace; a slow one whose 24 h windows slide over several days; a
        // dense one whose hour tiles hold thousands of merchants (HyperLogLog tiles).
        let variant = seed % 4
        let merchants = variant == 3 ? 6_000 : [5, 60, 1_500][seed % 3]
        let rules: UInt64 =
            [3 * Fixtures.minute / 4, 3 * Fixtures.minute / 4, 4 * Fixtures.minute, 1_500][variant].magnitude * 2
        let lateness = 2 * Fixtures.minute
        var live = (0..<partitions).map { _ in EntityTiles(groupCount: Fixtures.layout.groups.count) }
        var liveWithSets = live
        var sets = EntityDistinctCaches()
        var newest = [Int64](repeating: .min, count: Int(partitions))
        var clock = base
        var scratch = WindowScratch()
        var fromLive: [Double?] = []
        var fromSets: [Double?] = []
        for offset in 0..<Int64(variant == 3 ? 5_000 : 2_000) {
            // Mostly forward in time, sometimes back (late or not).
            clock += Int64(random.next() % rules)
            let jitter = random.next() % 10 == 0 ? Int64(random.next() % UInt64(4 * Fixtures.minute)) : 0
            let time = clock - jitter
            let partition = Int32(random.next() % UInt64(partitions))
            // Mostly at the event's time, as the feature log reads; sometimes before or after it.
            let shift = Int64(random.next() % UInt64(2 * Fixtures.hour))
            let readTime = [time, time, time, time, time, time - shift, time + shift / 4, time + shift / 40][
                Int(random.next() % 8)]
            let stored = (0..<partitions).flatMap { live[Int($0)].storedTiles(partition: $0) }
            let expected = FeatureCalculator.compute(Fixtures.layout, tiles: stored, at: readTime)
            FeatureCalculator.compute(Fixtures.layout, sources: &live, at: readTime, scratch: &scratch, into: &fromLive)
            #expect(
                zip(expected, fromLive).allSatisfy { FeatureLogRow.sameFeature($0, $1) },
                "seed \(seed) event \(offset) at \(readTime): live \(fromLive) vs stored \(expected)")
            FeatureCalculator.compute(
                Fixtures.layout, at: readTime, scratch: &scratch, into: &fromSets, distinctCaches: &sets
            ) { visit in
                for index in liveWithSets.indices { visit(&liveWithSets[index]) }
            }
            #expect(
                zip(expected, fromSets).allSatisfy { FeatureLogRow.sameFeature($0, $1) },
                "seed \(seed) event \(offset) at \(readTime): with kept sets \(fromSets) vs stored \(expected)")
            guard newest[Int(partition)] == .min || time >= newest[Int(partition)] - lateness else { continue }
            newest[Int(partition)] = max(newest[Int(partition)], time)
            let event = Fixtures.event(
                merchant: "m\(random.next() % UInt64(merchants))", amount: Double(random.next() % 50_000) / 100,
                at: time)
            let watermark = newest[Int(partition)] - lateness
            live[Int(partition)].apply(
                event, partition: partition, offset: offset, layout: Fixtures.layout, watermark: watermark)
            sets.willApply(event, to: liveWithSets[Int(partition)], layout: Fixtures.layout)
            liveWithSets[Int(partition)].apply(
                event, partition: partition, offset: offset, layout: Fixtures.layout, watermark: watermark)
            sets.didApply(layout: Fixtures.layout, watermark: watermark)
        }
    }
}

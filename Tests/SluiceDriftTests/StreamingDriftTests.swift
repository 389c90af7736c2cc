import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceDrift

@Suite("Streaming drift state: samples, windows, merging")
struct StreamingDriftTests {
    static func key(_ index: Int) -> UInt64 { StableHash.hash("event-\(index)") }

    @Test("a bottom-k sample is the same however the stream is ordered or split and merged")
    func bottomKMerges() {
        var random = SeededRandom(seed: TestSeed.draw(for: "bottom-k"))
        let values = (0..<20_000).map { _ in random.unit() * 100 }
        var whole = BottomKSample(capacity: 500)
        for (index, value) in values.enumerated() { whole.insert(value, key: Self.key(index)) }
        var parts = [BottomKSample](repeating: BottomKSample(capacity: 500), count: 3)
        for (index, value) in values.enumerated().reversed() {
            parts[random.below(3)].insert(value, key: Self.key(index))
        }
        var merged = parts[0]
        merged.merge(parts[2])
        merged.merge(parts[1])
        #expect(merged == whole && whole.count == 500)
        // The kept keys are the 500 smallest of all.
        let smallest = Set((0..<values.count).map(Self.key).sorted().prefix(500))
        #expect(
            Set(whole.values) == Set((0..<values.count).filter { smallest.contains(Self.key($0)) }.map { values[$0] }))
    }

    @Test("window states of a split stream merge into the state of the whole stream")
    func windowStatesMerge() {
        var random = SeededRandom(seed: TestSeed.draw(for: "window-merge"))
        let bins = QuantileBins(innerEdges: [10, 20, 30])
        let empty = (ColumnWindowState.numeric(bins: bins, sampleCapacity: 100), ColumnWindowState.categorical())
        var whole = empty
        var parts = [(ColumnWindowState, ColumnWindowState)](repeating: empty, count: 4)
        for index in 0..<5_000 {
            let value: Double? = index % 17 == 0 ? nil : (index % 23 == 0 ? .nan : random.unit() * 40)
            let category: String? = index % 13 == 0 ? nil : ["a", "b", "c"][random.below(3)]
            whole.0.add(value, key: Self.key(index))
            whole.1.add(category: category)
            let part = random.below(4)
            parts[part].0.add(value, key: Self.key(index))
            parts[part].1.add(category: category)
        }
        var merged = parts[3]
        for part in parts.prefix(3) {
            merged.0.merge(part.0)
            merged.1.merge(part.1)
        }
        #expect(merged.0 == whole.0 && merged.1 == whole.1)
        #expect(whole.0.rows == 5_000 && whole.0.nulls == (0..<5_000).count { $0 % 17 == 0 || $0 % 23 == 0 })
    }

    @Test("a window no larger than the sample gives exactly the batch comparison's values")
    func windowEqualsBatch() {
        var random = SeededRandom(seed: TestSeed.draw(for: "window-batch"))
        let referenceValues: [Double?] = (0..<3_000).map { $0 % 50 == 0 ? nil : random.unit() * 10 }
        let currentValues: [Double?] = (0..<2_000).map { $0 % 40 == 0 ? nil : random.unit() * 12 }
        let referenceCategories: [String?] = (0..<3_000).map { _ in ["x", "y", "z", nil][random.below(4)] }
        let currentCategories: [String?] = (0..<2_000).map { _ in ["x", "y", "w"][random.below(3)] }
        let reference = DriftReference(
            columns: [("amount", .numeric(referenceValues)), ("channel", .categorical(referenceCategories))], bins: 10)
        var numeric = reference.columns[0].emptyState(sampleCapacity: 5_000)
        var categorical = reference.columns[1].emptyState()
        for (index, value) in currentValues.enumerated() {
            numeric.add(value, key: Self.key(index))
        }
        for category in currentCategories { categorical.add(category: category) }
        let policy = DriftPolicy()
        #expect(
            ColumnComparison.window(reference: reference.columns[0], state: numeric, policy: policy)
                == ColumnComparison.compare(
                    column: "amount", reference: .numeric(referenceValues), current: .numeric(currentValues), bins: 10,
                    policy: policy))
        #expect(
            ColumnComparison.window(reference: reference.columns[1], state: categorical, policy: policy)
                == ColumnComparison.compare(
                    column: "channel", reference: .categorical(referenceCategories),
                    current: .categorical(currentCategories), bins: 10, policy: policy))
    }

    @Test("on a window larger than the sample, KS stays within the documented bound of the full window's")
    func sampleErrorBound() {
        var random = SeededRandom(seed: TestSeed.draw(for: "sample-bound"))
        let reference = DriftReference(
            columns: [("x", .numeric((0..<50_000).map { _ in StreamingDriftTests.normal(&random) }))], bins: 10)
        for shift in [0.0, 0.05, 0.3] {
            let current = (0..<200_000).map { _ in StreamingDriftTests.normal(&random) + shift }
            var state = reference.columns[0].emptyState()
            for (index, value) in current.enumerated() {
                state.add(value, key: Self.key(index))
            }
            let window = ColumnComparison.window(reference: reference.columns[0], state: state, policy: DriftPolicy())
            let full = ColumnComparison.compare(
                column: "x", reference: .numeric(reference.columns[0].sorted), current: .numeric(current), bins: 10,
                policy: DriftPolicy())
            let error = abs(window.kolmogorovSmirnov!.statistic - full.kolmogorovSmirnov!.statistic)
            // DKW with 10,000 sampled values: within 0.027 with probability 1 − 10⁻⁶.
            #expect(
                error <= 0.027,
                "shift \(shift): KS \(window.kolmogorovSmirnov!.statistic) vs \(full.kolmogorovSmirnov!.statistic)")
            // Binned statistics come from exact counts: equal to the full window's.
            #expect(window.psi == full.psi && window.js == full.js)
        }
    }

    @Test("windows close when every partition's watermark passed them; later events for them are late")
    func windowClock() {
        var clock = TumblingWindowClock<Int32>(size: 60_000, allowedLateness: 5_000, idleAfter: 10_000)
        #expect(
            clock.windowStart(-1) == -60_000 && clock.windowStart(59_999) == 0 && clock.windowStart(60_000) == 60_000)
        clock.assign(0)
        clock.assign(1)
        #expect(clock.place(10_000, partition: 0) == .window(start: 0))
        #expect(clock.place(70_000, partition: 0) == .window(start: 60_000))
        // Partition 1 has no event yet: it holds the watermark back.
        #expect(clock.watermark(now: 0) == nil && clock.close(now: 0).isEmpty)
        // Partition 1 has not passed window 0: no window closes (progress stays at window 0's start).
        #expect(clock.place(20_000, partition: 1) == .window(start: 0))
        #expect(clock.close(now: 0).map(\.progress) == [0, 0])
        #expect(clock.close(now: 0).isEmpty, "reported once")
        // Both partitions past 65 s (60 s + 5 s of lateness): window 0 closes in both.
        #expect(clock.place(66_000, partition: 1) == .window(start: 60_000))
        #expect(clock.place(130_000, partition: 0) == .window(start: 120_000))
        #expect(clock.watermark(now: 0) == 61_000)
        let moved = clock.close(now: 0).sorted { $0.partition < $1.partition }
        #expect(
            moved == [
                .init(partition: 0, previous: 0, progress: 60_000), .init(partition: 1, previous: 0, progress: 60_000),
            ])
        #expect(clock.place(59_000, partition: 1) == .late(windowStart: 0))
        // Within lateness of window 1: still counted there.
        #expect(clock.place(62_000, partition: 0) == .window(start: 60_000))
        // A partition assigned now starts open: its old windows still count.
        clock.assign(2)
        #expect(clock.place(1_000, partition: 2) == .window(start: 0))
        #expect(clock.close(now: 0) == [.init(partition: 2, previous: nil, progress: -60_000)])
        _ = clock.place(61_000, partition: 2)
        #expect(
            clock.close(now: 0) == [.init(partition: 2, previous: -60_000, progress: 0)], "partition 1 holds at 61 s")
    }

    @Test("a partition at its end stops holding the watermark back once idle; all idle: the newest events decide")
    func idlePartitions() {
        var clock = TumblingWindowClock<Int32>(size: 60_000, allowedLateness: 0, idleAfter: 10_000)
        clock.assign(0)
        clock.assign(1)
        _ = clock.place(130_000, partition: 0)
        _ = clock.place(10_000, partition: 1)
        clock.reachedEnd(1, now: 1_000)
        #expect(clock.watermark(now: 5_000) == 10_000, "not idle for 10 s yet")
        #expect(clock.watermark(now: 11_000) == 130_000, "partition 1 idle: partition 0 alone decides")
        #expect(clock.close(now: 11_000).map(\.progress) == [120_000, 120_000])
        // An event ends the idleness.
        #expect(clock.place(125_000, partition: 1) == .window(start: 120_000))
        #expect(clock.watermark(now: 20_000) == 125_000)
        clock.reachedEnd(0, now: 20_000)
        clock.reachedEnd(1, now: 20_000)
        #expect(clock.watermark(now: 40_000) == 125_000, "all idle: the smallest newest event time")
        // A partition with no events at all, once idle, holds nothing back either.
        clock.assign(2)
        #expect(clock.watermark(now: 40_000) == nil)
        clock.reachedEnd(2, now: 40_000)
        #expect(clock.watermark(now: 50_000) == 125_000)
    }

    static func normal(_ random: inout SeededRandom) -> Double {
        let u = max(random.unit(), Double.leastNonzeroMagnitude)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * random.unit())
    }
}

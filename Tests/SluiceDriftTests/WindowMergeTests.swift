import SluiceCore
import Testing

@testable import SluiceDrift

@Suite("Window parts: the binary form, one partition's windows, and the merge across processes")
struct WindowMergeTests {
    static let hour: Int64 = 3_600_000
    static let bins = QuantileBins(sortedReference: (0..<1_000).map(Double.init), bins: 10)

    static func numericState(_ values: [Double], capacity: Int = 50) -> ColumnWindowState {
        var state = ColumnWindowState.numeric(bins: bins, sampleCapacity: capacity)
        for (index, value) in values.enumerated() {
            state.add(value.isNaN ? nil : value, key: StableHash.hash("e\(value)-\(index)"))
        }
        return state
    }

    @Test("a part survives its binary form: numeric and categorical states, progress-only parts")
    func codecRoundTrip() throws {
        var categories = ColumnWindowState.categorical()
        for category in ["FR", "DE", "FR", "ÜB"] { categories.add(category: category) }
        categories.add(category: nil)
        let parts = [
            WindowPart(
                monitor: 42, topic: "transactions", partition: 3, column: "amount",
                previousProgress: WindowPart.fromStart,
                progress: Self.hour, window: 0,
                state: Self.numericState((0..<200).map { Double($0 * 7 % 1_300) } + [.nan])),
            WindowPart(
                monitor: 42, topic: "transactions", partition: 3, column: "country", previousProgress: nil,
                progress: 2 * Self.hour, window: Self.hour, state: categories),
            WindowPart(
                monitor: 7, topic: "sluice.predictions", partition: 0, column: "score", previousProgress: -5,
                progress: 0),
        ]
        for part in parts {
            let bytes = WindowPartCodec.encode(part)
            let decoded = try WindowPartCodec.decode(bytes) { $0 == "amount" ? Self.bins : nil }
            #expect(decoded == part)
        }
        // Cut anywhere, or with bins that do not match: an error, not a crash.
        let bytes = WindowPartCodec.encode(parts[0])
        for length in [0, 3, 10, 40, bytes.count - 1] {
            #expect(throws: WindowPartCodec.DecodingError.self) {
                try WindowPartCodec.decode(Array(bytes.prefix(length))) { _ in Self.bins }
            }
        }
        #expect(throws: WindowPartCodec.DecodingError.self) {
            try WindowPartCodec.decode(bytes) { _ in QuantileBins(innerEdges: [1, 2]) }
        }
        #expect(throws: WindowPartCodec.DecodingError.self) { try WindowPartCodec.decode(bytes) { _ in nil } }
    }

    @Test("one partition's windows: parts chained in window order, commits at the oldest open window's first event")
    func partitionWindows() {
        var windows = PartitionWindows(
            topic: "t", partition: 1, columns: [("amount", .numeric(bins: Self.bins))],
            previousProgress: WindowPart.fromStart)
        #expect(windows.commitOffset(next: 5) == 5)
        windows.update(window: 0, offset: 10) { $0[0].add(1, key: 1) }
        windows.update(window: 2 * Self.hour, offset: 11) { $0[0].add(2, key: 2) }
        windows.update(window: 0, offset: 12) { $0[0].add(3, key: 3) }
        windows.update(window: 3 * Self.hour, offset: 13) { $0[0].add(4, key: 4) }
        #expect(windows.commitOffset(next: 14) == 10)
        let parts = windows.close(before: 3 * Self.hour, windowSize: Self.hour, monitor: 1)
        #expect(parts.map(\.window) == [0, 2 * Self.hour])
        #expect(parts.map(\.previousProgress) == [WindowPart.fromStart, Self.hour])
        #expect(parts.map(\.progress) == [Self.hour, 3 * Self.hour])
        #expect(parts.map { $0.state?.rows } == [2, 1])
        #expect(windows.commitOffset(next: 14) == 13)
        // Nothing to close: one part that only moves the progress.
        let empty = windows.close(before: 3 * Self.hour, windowSize: Self.hour, monitor: 1)
        #expect(empty.count == 1 && empty[0].state == nil && empty[0].previousProgress == 3 * Self.hour)
    }

    @Test("parts of two processes merge into the state of one process; duplicates after a takeover are dropped")
    func mergeEqualsOneProcess() throws {
        let values: [[Double]] = [
            (0..<300).map { Double($0 * 13 % 997) }, (0..<120).map { Double($0 * 31 % 1_200) }, [],
        ]
        let column = WindowMerger.Column(
            name: "amount", topic: "t", empty: .numeric(bins: Self.bins, sampleCapacity: 50))
        var merger = WindowMerger(columns: [column], partitionCounts: ["t": 3])
        var closed: [WindowMerger.ClosedWindow] = []
        for partition in [2, 0, 1] {
            let part = WindowPart(
                monitor: 1, topic: "t", partition: Int32(partition), column: "amount",
                previousProgress: WindowPart.fromStart, progress: Self.hour,
                window: values[partition].isEmpty ? nil : 0,
                state: values[partition].isEmpty ? nil : Self.numericState(values[partition]))
            let received = merger.receive(part)
            let result = try #require(received)
            if partition != 1 { #expect(result.isEmpty, "waits for partition 1") }
            closed += result
        }
        var whole = Self.numericState(values[0])
        whole.merge(Self.numericState(values[1]))
        #expect(closed == [.init(column: "amount", topic: "t", window: 0, outcome: .complete(whole))])
        #expect(merger.isQuiet)
        // Partition 0 taken over by another process that re-read window 0 partly: dropped.
        let replay = WindowPart(
            monitor: 1, topic: "t", partition: 0, column: "amount", previousProgress: nil, progress: Self.hour,
            window: 0, state: Self.numericState([1, 2, 3]))
        #expect(merger.receive(replay) == [])
        #expect(merger.isQuiet)
        // Unknown columns, topics and partitions are not merged.
        #expect(
            merger.receive(
                WindowPart(monitor: 1, topic: "t", partition: 9, column: "amount", previousProgress: nil, progress: 0))
                == nil)
        #expect(
            merger.receive(
                WindowPart(monitor: 1, topic: "u", partition: 0, column: "amount", previousProgress: nil, progress: 0))
                == nil)
    }

    @Test("a merger started mid-stream publishes only windows it saw whole")
    func mergerStartedLate() throws {
        let column = WindowMerger.Column(
            name: "amount", topic: "t", empty: .numeric(bins: Self.bins, sampleCapacity: 50))
        var merger = WindowMerger(columns: [column], partitionCounts: ["t": 2])
        // Partition 0's part for window 1 arrived before this merger started; it sees partition 1's.
        _ = merger.receive(
            WindowPart(
                monitor: 1, topic: "t", partition: 1, column: "amount", previousProgress: Self.hour,
                progress: 2 * Self.hour, window: Self.hour, state: Self.numericState([5])))
        // Partition 0's next part chains from 2 h: window 1 cannot be known whole.
        let result = merger.receive(
            WindowPart(
                monitor: 1, topic: "t", partition: 0, column: "amount", previousProgress: 2 * Self.hour,
                progress: 3 * Self.hour, window: 2 * Self.hour, state: Self.numericState([6])))
        #expect(result == [.init(column: "amount", topic: "t", window: Self.hour, outcome: .incomplete(missing: [0]))])
        // Window 2 completes once partition 1 passes it, from both partitions' parts.
        let next = merger.receive(
            WindowPart(
                monitor: 1, topic: "t", partition: 1, column: "amount", previousProgress: 2 * Self.hour,
                progress: 3 * Self.hour, window: 2 * Self.hour, state: Self.numericState([7])))
        var whole = Self.numericState([6])
        whole.merge(Self.numericState([7]))
        #expect(next == [.init(column: "amount", topic: "t", window: 2 * Self.hour, outcome: .complete(whole))])
    }

    @Test("a lost part leaves its window incomplete rather than published short")
    func lostPart() {
        let column = WindowMerger.Column(
            name: "amount", topic: "t", empty: .numeric(bins: Self.bins, sampleCapacity: 50))
        var merger = WindowMerger(columns: [column], partitionCounts: ["t": 2])
        func part(_ partition: Int32, previous: Int64, window: Int64) -> WindowPart {
            WindowPart(
                monitor: 1, topic: "t", partition: partition, column: "amount", previousProgress: previous,
                progress: window + Self.hour, window: window, state: Self.numericState([Double(window / Self.hour)]))
        }
        _ = merger.receive(part(0, previous: WindowPart.fromStart, window: 0))
        _ = merger.receive(part(1, previous: WindowPart.fromStart, window: 0))
        _ = merger.receive(part(1, previous: Self.hour, window: Self.hour))
        // Partition 0's part for window 1 is lost: its next part chains from 2 h.
        let result = merger.receive(part(0, previous: 2 * Self.hour, window: 2 * Self.hour))
        #expect(result == [.init(column: "amount", topic: "t", window: Self.hour, outcome: .incomplete(missing: [0]))])
    }
}

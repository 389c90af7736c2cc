/// What a drift monitor keeps of one column in one window: exact counts per bin of the
/// reference's frozen edges (numeric) or per category, nulls, and for numeric columns a bounded
/// sample for KS and Wasserstein. Merging two states of disjoint events gives the state of their
/// union exactly, so processes that split the partitions can add up their windows.
public struct ColumnWindowState: Sendable, Equatable {
    public enum Counts: Sendable, Equatable {
        case numeric(bins: QuantileBins, histogram: [Int], sample: BottomKSample)
        case categorical([String: Int])
    }

    public private(set) var rows = 0
    public private(set) var nulls = 0
    public private(set) var counts: Counts

    /// The default sample size: KS on it is within 0.0163 of the full window's with probability
    /// 0.99 (Dvoretzky-Kiefer-Wolfowitz), whatever the window's size.
    public static let defaultSampleCapacity = 10_000

    /// An empty numeric state counting values in `bins`.
    public static func numeric(bins: QuantileBins, sampleCapacity: Int = defaultSampleCapacity) -> ColumnWindowState {
        ColumnWindowState(
            counts: .numeric(
                bins: bins, histogram: [Int](repeating: 0, count: bins.count),
                sample: BottomKSample(capacity: sampleCapacity)))
    }

    public static func categorical() -> ColumnWindowState { ColumnWindowState(counts: .categorical([:])) }

    private init(counts: Counts) { self.counts = counts }

    /// A state as a window part carried it (see `WindowPartCodec`).
    init(rows: Int, nulls: Int, counts: Counts) {
        self.rows = rows
        self.nulls = nulls
        self.counts = counts
    }

    /// Adds a numeric value (nil, NaN and ±infinity count as null) with its event's sample key.
    public mutating func add(_ value: Double?, key: UInt64) {
        rows += 1
        guard let value, value.isFinite, case .numeric(let bins, var histogram, var sample) = counts else {
            nulls += 1
            return
        }
        counts = .categorical([:])  // lets go of the arrays before they change
        histogram[bins.bin(of: value)] += 1
        sample.insert(value, key: key)
        counts = .numeric(bins: bins, histogram: histogram, sample: sample)
    }

    /// Adds a category (nil counts as null).
    public mutating func add(category: String?) {
        rows += 1
        guard let category, case .categorical(var table) = counts else {
            nulls += 1
            return
        }
        counts = .categorical([:])
        table[category, default: 0] += 1
        counts = .categorical(table)
    }

    /// Adds another state of the same column and window, made from other events.
    public mutating func merge(_ other: ColumnWindowState) {
        rows += other.rows
        nulls += other.nulls
        switch (counts, other.counts) {
        case (
            .numeric(let bins, var histogram, var sample), .numeric(let otherBins, let otherHistogram, let otherSample)
        ):
            precondition(bins == otherBins, "merging window states of different bins")
            counts = .categorical([:])
            for index in histogram.indices { histogram[index] += otherHistogram[index] }
            sample.merge(otherSample)
            counts = .numeric(bins: bins, histogram: histogram, sample: sample)
        case (.categorical(var table), .categorical(let otherTable)):
            counts = .categorical([:])
            for (category, count) in otherTable { table[category, default: 0] += count }
            counts = .categorical(table)
        default:
            preconditionFailure("merging a numeric and a categorical state of one column")
        }
    }
}

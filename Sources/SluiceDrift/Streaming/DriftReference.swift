/// The reference a drift monitor compares windows with, frozen once: per column its sorted
/// values (numeric) and the quantile bins with their counts, or its category counts.
public struct DriftReference: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var kind: ColumnKind
        public var summary: SideSummary
        /// Numeric columns: the non-null values, ascending; the bins and each bin's count.
        public var sorted: [Double] = []
        public var bins: QuantileBins?
        public var binCounts: [Int] = []
        /// Categorical columns.
        public var categoryCounts: [String: Int] = [:]
    }

    public var columns: [Column]
    public var binCount: Int

    /// - Parameter bins: quantile bins per numeric column (a column with fewer values gets none).
    public init(columns samples: [(name: String, sample: ColumnSample)], bins: Int = 10) {
        binCount = bins
        columns = samples.map { name, sample in
            switch sample {
            case .numeric(let values):
                let present = RadixSort.sorted(values.compactMap { $0.flatMap { $0.isFinite ? $0 : nil } })
                var column = Column(
                    name: name, kind: .numeric, summary: SideSummary(rows: values.count, values: present.count),
                    sorted: present)
                if present.count >= bins {
                    let edges = QuantileBins(sortedReference: present, bins: bins)
                    column.bins = edges
                    column.binCounts = edges.counts(present)
                }
                return column
            case .categorical(let values):
                var column = Column(
                    name: name, kind: .categorical,
                    summary: SideSummary(rows: values.count, values: values.count { $0 != nil }))
                for value in values { if let value { column.categoryCounts[value, default: 0] += 1 } }
                return column
            }
        }
    }

    /// An empty window state for `column`.
    public func emptyState(_ column: Column, sampleCapacity: Int = ColumnWindowState.defaultSampleCapacity)
        -> ColumnWindowState
    {
        switch column.kind {
        case .numeric: ColumnWindowState(numericBins: column.bins?.count ?? 1, sampleCapacity: sampleCapacity)
        case .categorical: ColumnWindowState()
        }
    }
}

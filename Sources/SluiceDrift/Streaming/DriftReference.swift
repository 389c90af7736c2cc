/// The reference a comparison is made against, frozen once: per column its sorted values
/// (numeric) and the quantile bins with their counts, or its category counts. Batch comparisons
/// and the streaming monitor's windows both compare with it.
public struct DriftReference: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var kind: ColumnKind
        public var summary: SideSummary
        /// The number of bins asked for; a column with fewer values gets none.
        public var binCount: Int
        /// Numeric columns: the finite values, ascending; the bins and each bin's count.
        public var sorted: [Double] = []
        public var bins: QuantileBins?
        public var binCounts: [Int] = []
        /// Categorical columns.
        public var categoryCounts: [String: Int] = [:]

        public init(name: String, sample: ColumnSample, bins binCount: Int) {
            self.name = name
            self.binCount = binCount
            switch sample {
            case .numeric(let values):
                kind = .numeric
                sorted = Self.finiteSorted(values)
                summary = SideSummary(rows: values.count, values: sorted.count)
                if sorted.count >= binCount {
                    let edges = QuantileBins(sortedReference: sorted, bins: binCount)
                    bins = edges
                    binCounts = edges.counts(sorted)
                }
            case .categorical(let values):
                kind = .categorical
                categoryCounts = Self.counts(values)
                summary = SideSummary(rows: values.count, values: categoryCounts.values.reduce(0, +))
            }
        }

        /// The values that are neither null, NaN nor infinite, ascending.
        static func finiteSorted(_ values: [Double?]) -> [Double] {
            RadixSort.sorted(values.compactMap { $0.flatMap { $0.isFinite ? $0 : nil } })
        }

        static func counts(_ values: [String?]) -> [String: Int] {
            var counts: [String: Int] = [:]
            for value in values { if let value { counts[value, default: 0] += 1 } }
            return counts
        }

        /// An empty window state for this column.
        public func emptyState(sampleCapacity: Int = ColumnWindowState.defaultSampleCapacity) -> ColumnWindowState {
            switch kind {
            case .numeric:
                ColumnWindowState.numeric(bins: bins ?? QuantileBins(innerEdges: []), sampleCapacity: sampleCapacity)
            case .categorical: ColumnWindowState.categorical()
            }
        }
    }

    public var columns: [Column]

    /// - Parameter bins: quantile bins per numeric column.
    public init(columns samples: [(name: String, sample: ColumnSample)], bins: Int = 10) {
        columns = samples.map { Column(name: $0.name, sample: $0.sample, bins: bins) }
    }

    /// A 64-bit FNV-1a fingerprint of what the comparisons depend on (per column its name,
    /// kind, values, bins and counts) with `extra` (a monitor's window size, sample capacity):
    /// processes that merge windows must agree on it.
    public func fingerprint(extra: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
            hash ^= 0xff
            hash &*= 0x100_0000_01b3
        }
        mix(extra)
        for column in columns {
            mix(column.name)
            mix(column.kind.rawValue)
            mix("\(column.summary.rows),\(column.summary.values),\(column.binCount)")
            for value in column.sorted { mix(String(value.bitPattern)) }
            mix(column.bins.map { $0.innerEdges.map { String($0.bitPattern) }.joined(separator: ",") } ?? "-")
            for (category, count) in column.categoryCounts.sorted(by: { $0.key < $1.key }) {
                mix("\(category)=\(count)")
            }
        }
        return hash
    }
}

/// A comparison of the columns two datasets share, sorted by severity: drifted columns first,
/// each group by how far past its threshold its value is, then columns without a decision.
public struct DatasetComparison: Sendable, Equatable {
    public var referenceRows: Int
    public var currentRows: Int
    public var columns: [ColumnComparison]

    /// Columns in `columns` missing from a side get a comparison whose problem says so. With
    /// `columns` nil, every column of the reference is compared.
    public static func compare(
        reference: [(name: String, sample: ColumnSample)], current: [(name: String, sample: ColumnSample)],
        columns wanted: [String]? = nil, bins: Int = 10, policy: DriftPolicy = DriftPolicy()
    ) -> DatasetComparison {
        let referenceByName = Dictionary(
            reference.map { ($0.name, $0.sample) }, uniquingKeysWith: { first, _ in first })
        let currentByName = Dictionary(current.map { ($0.name, $0.sample) }, uniquingKeysWith: { first, _ in first })
        let names = wanted ?? reference.map(\.name)
        let referenceRows = reference.first?.sample.rowCount ?? 0
        let currentRows = current.first?.sample.rowCount ?? 0
        var compared: [ColumnComparison] = []
        for name in names {
            guard let first = referenceByName[name], let second = currentByName[name] else {
                let known = referenceByName[name] ?? currentByName[name]
                var missing = ColumnComparison(
                    column: name, kind: known?.kind ?? .numeric,
                    reference: SideSummary(rows: referenceRows, values: 0),
                    current: SideSummary(rows: currentRows, values: 0))
                for (side, byName) in [("reference", referenceByName), ("current", currentByName)]
                where byName[name] == nil {
                    missing.problems.append("the \(side) has no column '\(name)'")
                }
                compared.append(missing)
                continue
            }
            compared.append(
                ColumnComparison.compare(column: name, reference: first, current: second, bins: bins, policy: policy))
        }
        return DatasetComparison(referenceRows: referenceRows, currentRows: currentRows, columns: compared)
    }

    /// Comparisons made elsewhere (a live window's columns), sorted by severity.
    public init(referenceRows: Int, currentRows: Int, columns: [ColumnComparison]) {
        self.referenceRows = referenceRows
        self.currentRows = currentRows
        self.columns = columns.sorted { left, right in
            switch (left.decision, right.decision) {
            case (let a?, let b?):
                if a.drifted != b.drifted { return a.drifted }
                return a.severity > b.severity
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return left.column < right.column
            }
        }
    }
}

/// One column's values on one side of a comparison, nulls included (and, for numbers, NaN and
/// ±infinity, which count as null: no distance is defined on them).
public enum ColumnSample: Sendable, Equatable {
    case numeric([Double?])
    case categorical([String?])

    public var kind: ColumnKind {
        switch self {
        case .numeric: .numeric
        case .categorical: .categorical
        }
    }

    public var rowCount: Int {
        switch self {
        case .numeric(let values): values.count
        case .categorical(let values): values.count
        }
    }
}

/// What one side of a column held.
public struct SideSummary: Sendable, Equatable {
    public var rows: Int
    /// Values that are neither null nor NaN nor infinite: the statistics' sample size.
    public var values: Int

    /// The share of rows that are null, NaN or infinite; nil for an empty side.
    public var nullShare: Double? { rows == 0 ? nil : Double(rows - values) / Double(rows) }
}

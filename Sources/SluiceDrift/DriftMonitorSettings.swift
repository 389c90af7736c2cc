/// What a drift monitor file sets: the number of quantile bins, the decision policy, and the
/// columns left out (identifiers, timestamps: columns that differ by construction).
public struct DriftMonitorSettings: Sendable, Equatable {
    public var bins = 10
    public var policy = DriftPolicy()
    public var ignoredColumns: Set<String> = []

    public init() {}

    /// The columns to compare: `wanted` when given, else the reference's, without ignored ones.
    public func columns(wanted: [String]?, reference: [String]) -> [String] {
        (wanted ?? reference).filter { !ignoredColumns.contains($0) }
    }
}

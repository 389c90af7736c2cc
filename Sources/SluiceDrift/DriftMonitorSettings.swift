/// What a drift monitor file sets: the number of quantile bins, the decision policy, and the
/// columns left out (identifiers, timestamps: columns that differ by construction).
public struct DriftMonitorSettings: Sendable, Equatable {
    public var bins = 10
    public var policy = DriftPolicy()
    public var ignoredColumns: Set<String> = []
    /// Numeric columns whose values are codes rather than quantities (a merchant category, a
    /// country number): compared as categories.
    public var categoricalColumns: Set<String> = []

    public init() {}

    /// `sample` as the settings want it compared: numbers of a column declared categorical become
    /// their text (integers without a decimal point).
    public func prepared(_ name: String, _ sample: ColumnSample) -> ColumnSample {
        guard categoricalColumns.contains(name), case .numeric(let values) = sample else { return sample }
        return .categorical(values.map { $0.flatMap(Self.categoryText) })
    }

    /// A number of a categorical column as its category: integers without a decimal point; nil
    /// for NaN and infinities.
    public static func categoryText(_ number: Double) -> String? {
        guard number.isFinite else { return nil }
        return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// The columns to compare: `wanted` when given, else the reference's, without ignored ones.
    public func columns(wanted: [String]?, reference: [String]) -> [String] {
        (wanted ?? reference).filter { !ignoredColumns.contains($0) }
    }
}

import Foundation

/// Every drift statistic of one column, reference against current, with the decision the policy
/// takes on them and the problems that kept any from being computed. Statistics that do not
/// apply or could not be computed are nil, never NaN.
public struct ColumnComparison: Sendable, Equatable {
    public var column: String
    public var kind: ColumnKind
    public var reference: SideSummary
    public var current: SideSummary
    /// Numeric columns.
    public var kolmogorovSmirnov: KolmogorovSmirnovTest?
    public var wasserstein: Double?
    /// `wasserstein` over max(the reference's population standard deviation, 0.001).
    public var wassersteinNormalised: Double?
    public var bins: QuantileBins?
    /// Categorical columns: the union of both sides' categories, sorted; those the reference lacks.
    public var categories: [String]?
    public var unseenCategories: [String] = []
    public var chiSquare: ChiSquareTest?
    /// Per bin or category: the counts of non-null values, and the smoothed proportions (see
    /// `Divergence`) the distances use.
    public var referenceCounts: [Int]?
    public var currentCounts: [Int]?
    public var referenceProportions: [Double]?
    public var currentProportions: [Double]?
    public var psi: Double?
    public var kl: Double?
    public var js: Double?
    public var decision: DriftDecision?
    public var problems: [String] = []

    /// The smallest standard deviation `wassersteinNormalised` divides by.
    public static let smallestDeviation = 0.001

    /// Compares one column. `bins` is the number of quantile bins for numeric columns.
    public static func compare(
        column: String, reference: ColumnSample, current: ColumnSample, bins: Int, policy: DriftPolicy
    ) -> ColumnComparison {
        let frozen = DriftReference.Column(name: column, sample: reference, bins: bins)
        switch current {
        case .numeric(let values):
            let sorted = DriftReference.Column.finiteSorted(values)
            return compare(
                frozen, current: SideSummary(rows: values.count, values: sorted.count), kind: .numeric, policy: policy
            ) { comparison in
                comparison.compareNumeric(
                    frozen, sortedSample: sorted, histogram: frozen.bins.map { $0.counts(sorted) })
            }
        case .categorical(let values):
            let counts = DriftReference.Column.counts(values)
            return compare(
                frozen, current: SideSummary(rows: values.count, values: counts.values.reduce(0, +)),
                kind: .categorical, policy: policy
            ) { comparison in comparison.compareCategories(frozen.categoryCounts, counts) }
        }
    }

    /// Compares a window a monitor kept (see `ColumnWindowState`) with its frozen reference: KS and
    /// Wasserstein on the window's sample, the binned and categorical statistics on its exact
    /// counts. A window of at most the sample's capacity gives the batch comparison's values.
    public static func window(
        reference: DriftReference.Column, state: ColumnWindowState, policy: DriftPolicy
    ) -> ColumnComparison {
        let current = SideSummary(rows: state.rows, values: state.rows - state.nulls)
        switch state.counts {
        case .numeric(_, let histogram, let sample):
            return compare(reference, current: current, kind: .numeric, policy: policy) { comparison in
                comparison.compareNumeric(
                    reference, sortedSample: RadixSort.sorted(sample.values),
                    histogram: reference.bins == nil ? nil : histogram)
            }
        case .categorical(let table):
            return compare(reference, current: current, kind: .categorical, policy: policy) { comparison in
                comparison.compareCategories(reference.categoryCounts, table)
            }
        }
    }

    /// What both comparisons share: the kinds must agree and both sides have values; then
    /// `statistics` fills in the rest and the policy decides.
    private static func compare(
        _ reference: DriftReference.Column, current: SideSummary, kind: ColumnKind, policy: DriftPolicy,
        statistics: (inout ColumnComparison) -> Void
    ) -> ColumnComparison {
        var comparison = ColumnComparison(
            column: reference.name, kind: reference.kind, reference: reference.summary, current: current)
        guard reference.kind == kind else {
            comparison.problems.append(
                "the reference's values are \(reference.kind.rawValue) and the current ones \(kind.rawValue)")
            return comparison
        }
        for (side, summary) in [("reference", reference.summary), ("current", current)] where summary.values == 0 {
            comparison.problems.append(
                summary.rows == 0 ? "the \(side) has no rows" : "the \(side)'s \(summary.rows) rows are all null")
        }
        guard comparison.problems.isEmpty else { return comparison }
        statistics(&comparison)
        comparison.decide(policy)
        return comparison
    }

    /// KS and Wasserstein on the current sample; PSI, KL and JS on the current counts per bin of
    /// the reference's (nil when the reference has too few values for its bins).
    private mutating func compareNumeric(
        _ reference: DriftReference.Column, sortedSample: [Double], histogram: [Int]?
    ) {
        setDistances(reference.sorted, sortedSample)
        guard let edges = reference.bins, let histogram else {
            problems.append(
                "the reference has \(reference.summary.values) values, fewer than \(reference.binCount) bins: "
                    + "PSI, KL and JS are left out")
            return
        }
        bins = edges
        setDivergences(reference.binCounts, histogram)
    }

    /// KS and Wasserstein between two sorted samples.
    private mutating func setDistances(_ first: [Double], _ second: [Double]) {
        kolmogorovSmirnov = KolmogorovSmirnovTest.twoSample(sortedReference: first, sortedCurrent: second)
        let distance = WassersteinDistance.between(sortedReference: first, sortedCurrent: second)
        wasserstein = distance
        wassersteinNormalised = distance / max(Self.populationDeviation(first), Self.smallestDeviation)
    }

    private mutating func compareCategories(_ reference: [String: Int], _ current: [String: Int]) {
        let names = Set(reference.keys).union(current.keys).sorted()
        categories = names
        unseenCategories = names.filter { reference[$0, default: 0] == 0 }
        let referenceCounts = names.map { reference[$0, default: 0] }
        let currentCounts = names.map { current[$0, default: 0] }
        chiSquare = ChiSquareTest.homogeneity(referenceCounts, currentCounts)
        setDivergences(referenceCounts, currentCounts)
    }

    private mutating func setDivergences(_ referenceCounts: [Int], _ currentCounts: [Int]) {
        self.referenceCounts = referenceCounts
        self.currentCounts = currentCounts
        let (expected, actual) = (Divergence.proportions(referenceCounts), Divergence.proportions(currentCounts))
        referenceProportions = expected
        currentProportions = actual
        psi = Divergence.populationStability(reference: expected, current: actual)
        kl = Divergence.kullbackLeibler(reference: expected, current: actual)
        js = Divergence.jensenShannon(reference: expected, current: actual)
    }

    private mutating func decide(_ policy: DriftPolicy) {
        let rule = policy.rule(column: column, kind: kind, smallerCount: min(reference.values, current.values))
        guard rule.method.applies(to: kind) else {
            problems.append("\(rule.method.rawValue) does not apply to a \(kind.rawValue) column")
            return
        }
        let value: Double? =
            switch rule.method {
            case .ks: kolmogorovSmirnov?.pValue
            case .chi2: chiSquare?.pValue
            case .psi: psi
            case .kl: kl
            case .js: js
            case .wasserstein: wassersteinNormalised
            }
        guard let value, !value.isNaN else {
            problems.append("no decision: \(rule.method.rawValue) could not be computed")
            return
        }
        decision = DriftDecision(method: rule.method, value: value, threshold: rule.threshold)
    }

    /// numpy.std with ddof 0, the mean and the squared deviations summed with compensation.
    static func populationDeviation(_ values: [Double]) -> Double {
        var sum = CompensatedSum()
        for value in values { sum.add(value) }
        let mean = sum.value / Double(values.count)
        var squares = CompensatedSum()
        for value in values { squares.add((value - mean) * (value - mean)) }
        return (squares.value / Double(values.count)).squareRoot()
    }
}

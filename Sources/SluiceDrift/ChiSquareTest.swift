import Foundation

/// Pearson's chi-square test of homogeneity on a 2 × K table of counts, without Yates' correction:
/// `scipy.stats.chi2_contingency(table, correction=False)`.
public struct ChiSquareTest: Sendable, Equatable {
    public var statistic: Double
    public var degreesOfFreedom: Int
    public var pValue: Double

    /// - Parameters: counts per category of each sample, in the same category order; every
    ///   category has a count in at least one sample, and each sample has at least one count.
    public static func homogeneity(_ first: [Int], _ second: [Int]) -> ChiSquareTest {
        precondition(first.count == second.count, "both samples need a count per category")
        let degreesOfFreedom = first.count - 1
        guard degreesOfFreedom > 0 else { return ChiSquareTest(statistic: 0, degreesOfFreedom: 0, pValue: 1) }
        let rows = [first.reduce(0, +), second.reduce(0, +)]
        let total = rows[0] + rows[1]
        precondition(rows[0] > 0 && rows[1] > 0, "each sample needs at least one count")
        var statistic = 0.0
        for (row, counts) in [first, second].enumerated() {
            for (category, observed) in counts.enumerated() {
                let column = first[category] + second[category]
                precondition(column > 0, "every category needs a count in one of the samples")
                let expected = Double(rows[row] * column) / Double(total)
                let difference = Double(observed) - expected
                statistic += difference * difference / expected
            }
        }
        let pValue = IncompleteGamma.upperRegularized(Double(degreesOfFreedom) / 2, statistic / 2)
        return ChiSquareTest(statistic: statistic, degreesOfFreedom: degreesOfFreedom, pValue: pValue)
    }
}

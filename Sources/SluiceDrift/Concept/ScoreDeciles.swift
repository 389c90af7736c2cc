import Foundation

/// Calibration by score decile: labeled predictions cut into ten groups at the reference's score
/// deciles, each with its mean score and observed fraud rate. Comparing the current period's
/// rates with the reference's per decile shows a change of P(fraud | score) (concept drift)
/// even when the inputs' distribution, and so the scores', did not move.
public struct ScoreDeciles: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var count = 0
        public var frauds = 0
        public var scoreSum = 0.0

        public var fraudRate: Double? { count == 0 ? nil : Double(frauds) / Double(count) }
        public var meanScore: Double? { count == 0 ? nil : scoreSum / Double(count) }
    }

    /// The nine inner edges (the reference's score quantiles at 0.1 … 0.9, merged when equal).
    public let bins: QuantileBins
    public private(set) var groups: [Group]

    /// Deciles on the reference's scores.
    public init(referenceScores: [Double]) {
        bins = QuantileBins(sortedReference: RadixSort.sorted(referenceScores.filter(\.isFinite)), bins: 10)
        groups = [Group](repeating: Group(), count: bins.count)
    }

    public init(bins: QuantileBins) {
        self.bins = bins
        groups = [Group](repeating: Group(), count: bins.count)
    }

    public mutating func add(score: Double, fraud: Bool) {
        guard score.isFinite else { return }
        let index = bins.bin(of: score)
        groups[index].count += 1
        groups[index].scoreSum += score
        if fraud { groups[index].frauds += 1 }
    }

    /// One decile whose fraud rate moved.
    public struct Shift: Sendable, Equatable, Codable {
        public var decile: Int
        public var referenceRate: Double
        public var currentRate: Double
        /// Two-proportion z-test, two-sided, pooled variance.
        public var pValue: Double

        private enum CodingKeys: String, CodingKey {
            case decile
            case referenceRate = "reference_rate"
            case currentRate = "current_rate"
            case pValue = "p_value"
        }
    }

    /// Deciles whose fraud rate differs from `reference`'s by at least `minimumChange` (absolute)
    /// with a two-proportion z-test p-value below `significance`; groups with fewer than
    /// `minimumCount` predictions on either side are not judged.
    public func shifts(
        against reference: ScoreDeciles, minimumChange: Double = 0.02, significance: Double = 0.01,
        minimumCount: Int = 100
    ) -> [Shift] {
        zip(reference.groups, groups).enumerated().compactMap { decile, pair in
            let (before, after) = pair
            guard before.count >= minimumCount, after.count >= minimumCount,
                let referenceRate = before.fraudRate, let currentRate = after.fraudRate,
                abs(currentRate - referenceRate) >= minimumChange
            else { return nil }
            let pooled = Double(before.frauds + after.frauds) / Double(before.count + after.count)
            let error = (pooled * (1 - pooled) * (1 / Double(before.count) + 1 / Double(after.count))).squareRoot()
            guard error > 0 else { return nil }
            let z = abs(currentRate - referenceRate) / error
            let pValue = erfc(z / 2.0.squareRoot())
            guard pValue < significance else { return nil }
            return Shift(decile: decile, referenceRate: referenceRate, currentRate: currentRate, pValue: pValue)
        }
    }
}

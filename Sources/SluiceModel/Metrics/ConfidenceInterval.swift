import Foundation

/// A two-sided confidence interval, and the methods the experiment report uses (docs/scoring.md
/// names each with its source). All take `z`, the standard normal quantile of the level
/// (1.959963984540054 for 95%).
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// z for a 95% two-sided interval: Φ⁻¹(0.975).
    public static let z95 = 1.959963984540054

    /// Wilson's score interval for a proportion of `successes` in `trials` (no continuity
    /// correction; scipy's `binomtest(k, n).proportion_ci(method="wilson")`). Nil for no trials.
    public static func wilson(successes: Int, trials: Int, z: Double = z95) -> ConfidenceInterval? {
        guard trials > 0 else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let center = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return ConfidenceInterval(lower: max(0, center - half), upper: min(1, center + half))
    }

    /// A normal interval `estimate ± z·√variance`, clipped to [0, 1] (for ROC-AUC with DeLong's
    /// variance).
    public static func normal(estimate: Double, variance: Double, z: Double = z95) -> ConfidenceInterval {
        let half = z * variance.squareRoot()
        return ConfidenceInterval(lower: max(0, estimate - half), upper: min(1, estimate + half))
    }

    /// The logit interval for the area under the precision-recall curve (Boyd, Eng and Page
    /// 2013): expit(logit(θ) ± z / √(n₁·θ·(1 − θ))), with n₁ the number of positives. Nil when θ
    /// is 0 or 1 (the logit is infinite) or without positives.
    public static func logit(estimate: Double, positives: Int, z: Double = z95) -> ConfidenceInterval? {
        guard positives > 0, estimate > 0, estimate < 1 else { return nil }
        let center = log(estimate / (1 - estimate))
        let half = z / (Double(positives) * estimate * (1 - estimate)).squareRoot()
        func expit(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        return ConfidenceInterval(lower: expit(center - half), upper: expit(center + half))
    }

    /// A distribution-free interval for the `q`-quantile of `sorted` (ascending): the order
    /// statistics of ranks ⌊nq − z√(nq(1−q))⌋ and ⌈nq + z√(nq(1−q))⌉ + 1 (1-based, clipped to
    /// 1...n), the normal approximation to the binomial count of values below the quantile.
    public static func quantile(sorted: [Double], q: Double, z: Double = z95) -> ConfidenceInterval? {
        guard !sorted.isEmpty else { return nil }
        let n = Double(sorted.count)
        let spread = z * (n * q * (1 - q)).squareRoot()
        let lowerRank = min(max(Int((n * q - spread).rounded(.down)), 1), sorted.count)
        let upperRank = min(max(Int((n * q + spread).rounded(.up)) + 1, 1), sorted.count)
        return ConfidenceInterval(lower: sorted[lowerRank - 1], upper: sorted[upperRank - 1])
    }
}

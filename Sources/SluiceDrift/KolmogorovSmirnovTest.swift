/// The two-sided two-sample Kolmogorov-Smirnov test, computed as `scipy.stats.ks_2samp` computes it
/// with its default method: the exact distribution of the statistic when neither sample has more
/// than 10,000 values, otherwise the one-sample Kolmogorov distribution at the effective size
/// round(n·m / (n + m)).
public struct KolmogorovSmirnovTest: Sendable, Equatable {
    public enum Method: String, Sendable, Codable {
        case exact
        case asymptotic
    }

    /// The largest distance between the two empirical distribution functions. In the exact
    /// method it is rounded to the lattice of multiples of 1/lcm(n, m), as scipy reports it.
    public var statistic: Double
    public var pValue: Double
    public var method: Method

    /// The sample size up to which the exact distribution is used (scipy's `MAX_AUTO_N`).
    public static let exactLimit = 10_000

    /// Tests two samples, each sorted ascending, non-empty and free of NaN.
    public static func twoSample(sortedReference first: [Double], sortedCurrent second: [Double])
        -> KolmogorovSmirnovTest
    {
        precondition(!first.isEmpty && !second.isEmpty, "the Kolmogorov-Smirnov test needs two non-empty samples")
        let (n1, n2) = (first.count, second.count)
        var statistic = largestDistance(first, second)
        if max(n1, n2) <= exactLimit {
            let divisor = greatestCommonDivisor(n1, n2)
            let lattice = (n1 / divisor) * n2
            let steps = Int((statistic * Double(lattice)).rounded(.toNearestOrEven))
            statistic = Double(steps) / Double(lattice)
            if steps == 0 { return KolmogorovSmirnovTest(statistic: statistic, pValue: 1, method: .exact) }
            let probability =
                n1 == n2
                ? probabilityOutsideSquare(n1, steps)
                : probabilityOutsideBand(n1, n2, divisor: divisor, steps: steps)
            // scipy falls back to the asymptotic distribution when the exact sum fails numerically.
            if probability >= 0 && probability <= 1 {
                return KolmogorovSmirnovTest(statistic: statistic, pValue: probability, method: .exact)
            }
        }
        let (larger, smaller) = (Double(max(n1, n2)), Double(min(n1, n2)))
        let effective = (larger * smaller / (larger + smaller)).rounded(.toNearestOrEven)
        let probability = KolmogorovDistribution.survival(n: Int(effective), x: statistic)
        return KolmogorovSmirnovTest(statistic: statistic, pValue: min(max(probability, 0), 1), method: .asymptotic)
    }

    /// max over all values v of |F₁(v) − F₂(v)|, each F counting the values ≤ v.
    static func largestDistance(_ first: [Double], _ second: [Double]) -> Double {
        let (n1, n2) = (Double(first.count), Double(second.count))
        var (largest, smallest) = (0.0, 0.0)
        MergedSamples.forEachDistinctValue(first, second) { _, i, j in
            let difference = Double(i) / n1 - Double(j) / n2
            largest = max(largest, difference)
            smallest = min(smallest, difference)
        }
        return max(largest, min(-smallest, 1))
    }

    static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// Equal sizes n: the share of lattice paths that leave the band |x − y| < h (Hodges).
    static func probabilityOutsideSquare(_ n: Int, _ h: Int) -> Double {
        var probability = 0.0
        var k = Int((Double(n) / Double(h)).rounded(.down))
        while k >= 0 {
            var term = 1.0
            for j in 0..<h {
                term = Double(n - k * h - j) * term / Double(n + k * h + j + 1)
            }
            probability = term * (1 - probability)
            k -= 1
        }
        return 2 * probability
    }

    /// Unequal sizes: one minus the share of lattice paths from (0, 0) to (m, n) that stay
    /// strictly inside |n·x − m·y| < h·g, by the recursion on the complement that keeps the
    /// values within [0, 1] (Viehmann 2021, as scipy's `_compute_outer_prob_inside_method`).
    static func probabilityOutsideBand(_ first: Int, _ second: Int, divisor g: Int, steps h: Int) -> Double {
        let (m, n) = (max(first, second), min(first, second))
        let (mg, ng) = (m / g, n / g)
        var minJ = 0
        var maxJ = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var currentLength = maxJ - minJ
        let length = min(2 * maxJ + 2, n + 1)
        var column = [Double](repeating: 1, count: length)
        for index in minJ..<min(maxJ, length) { column[index] = 0 }
        for i in 1...m {
            let (lastMinJ, lastLength) = (minJ, currentLength)
            minJ = min(max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0), n)
            maxJ = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
            if maxJ <= minJ { return 1 }
            var value = minJ == 0 ? 0.0 : 1.0
            for offset in 0..<(maxJ - minJ) {
                let j = offset + minJ
                value = (column[offset + minJ - lastMinJ] * Double(i) + value * Double(j)) / Double(i + j)
                column[offset] = value
            }
            currentLength = maxJ - minJ
            if lastLength > currentLength {
                let start = maxJ - minJ
                for index in start..<min(start + lastLength - currentLength, length) { column[index] = 1 }
            }
        }
        return column[maxJ - minJ - 1]
    }
}

import Foundation

/// Distances between two distributions over the same bins or categories, each given as counts.
/// Proportions are count / total with every zero replaced by `smoothing` and not renormalised;
/// KL and Jensen-Shannon then normalise as scipy does (scipy.stats.entropy,
/// scipy.spatial.distance.jensenshannon).
public enum Divergence {
    /// What an empty bin's proportion becomes, so that logarithms stay finite.
    public static let smoothing = 0.0001

    public static func proportions(_ counts: [Int]) -> [Double] {
        let total = Double(counts.reduce(0, +))
        return counts.map { count in count == 0 ? smoothing : Double(count) / total }
    }

    /// Population stability index: Σ (current − reference) · ln(current / reference).
    public static func populationStability(reference: [Double], current: [Double]) -> Double {
        var sum = 0.0
        for (expected, actual) in zip(reference, current) { sum += (actual - expected) * log(actual / expected) }
        return sum
    }

    /// Kullback-Leibler divergence of current from reference, natural log.
    public static func kullbackLeibler(reference: [Double], current: [Double]) -> Double {
        let (p, q) = (normalised(reference), normalised(current))
        var sum = 0.0
        for (a, b) in zip(p, q) { sum += relativeEntropy(a, b) }
        return sum
    }

    /// Jensen-Shannon distance (the square root of the divergence), base 2: between 0 and 1.
    public static func jensenShannon(reference: [Double], current: [Double]) -> Double {
        let (p, q) = (normalised(reference), normalised(current))
        var (left, right) = (0.0, 0.0)
        for (a, b) in zip(p, q) {
            let middle = (a + b) / 2
            left += relativeEntropy(a, middle)
            right += relativeEntropy(b, middle)
        }
        return ((left + right) / log(2.0) / 2).squareRoot()
    }

    static func normalised(_ values: [Double]) -> [Double] {
        let total = values.reduce(0, +)
        return values.map { $0 / total }
    }

    /// scipy.special.rel_entr: x·ln(x/y), 0 when x is 0.
    static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
        if x > 0 && y > 0 { return x * log(x / y) }
        if x == 0 && y >= 0 { return 0 }
        return .infinity
    }
}

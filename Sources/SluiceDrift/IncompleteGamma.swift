import Foundation

/// The regularized incomplete gamma function, for chi-square tail probabilities:
/// Q(a, x) = Γ(a, x) / Γ(a) = P(χ²₂ₐ > 2x).
enum IncompleteGamma {
    private static let tiny = 1e-300
    private static let maximumIterations = 100_000

    /// Q(a, x) for a > 0, x ≥ 0: by the power series of P when x < a + 1 (where it converges
    /// fast), else by the continued fraction of Q (modified Lentz), which keeps small tails
    /// accurate instead of subtracting from one.
    static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "the incomplete gamma function needs a > 0")
        if x.isNaN { return .nan }
        if x <= 0 { return 1 }
        if x.isInfinite { return 0 }
        let logPrefactor = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var denominator = a
            for _ in 0..<maximumIterations {
                denominator += 1
                term *= x / denominator
                sum += term
                if abs(term) < abs(sum) * Double.ulpOfOne { break }
            }
            return min(max(1 - sum * exp(logPrefactor), 0), 1)
        }
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var fraction = d
        for index in 1...maximumIterations {
            let step = Double(index)
            let numerator = -step * (step - a)
            b += 2
            d = numerator * d + b
            if abs(d) < tiny { d = tiny }
            c = b + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let change = d * c
            fraction *= change
            if abs(change - 1) < Double.ulpOfOne { break }
        }
        return min(max(exp(logPrefactor) * fraction, 0), 1)
    }
}

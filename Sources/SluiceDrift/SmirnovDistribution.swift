import Foundation

/// The one-sided one-sample Kolmogorov-Smirnov statistic D⁺ₙ (scipy.special's `smirnov`):
/// P(D⁺ₙ ≥ x) by the Birnbaum-Tingey sum, whose terms are all positive, each formed in logarithms
/// so that binomial coefficients and powers of large n neither overflow nor lose precision.
public enum SmirnovDistribution {
    /// Above this n the sum is replaced by exp(−(6nx + 1)² / 18n), as scipy does.
    static let largestExactSize = 1_000_000

    /// log of the smallest normal double: exp of anything below is not representable.
    static let smallestLog = -708.3964185322641

    /// P(D⁺ₙ ≥ x).
    public static func survival(n: Int, x: Double) -> Double {
        precondition(n >= 1, "the Smirnov distribution needs n >= 1")
        if x.isNaN { return .nan }
        if x <= 0 { return 1 }
        if x >= 1 { return 0 }
        if n == 1 { return 1 - x }
        let size = Double(n)
        // ⌊nx⌋ and nx − ⌊nx⌋, exactly: the rounding of n·x decides which terms exist.
        var floorNX = (size * x).rounded(.down)
        var alpha = fma(size, x, -floorNX)
        if alpha < 0 {
            floorNX -= 1
            alpha += 1
        }
        if alpha >= 1 {
            floorNX += 1
            alpha = 0
        }
        let nxFloor = Int(floorNX)
        if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
            return clip(1 - x * exp(Double(n - 1) * log1p(x)))
        }
        if -2 * size * x * x < smallestLog { return 0 }
        if nxFloor >= n - 1 { return clip(exp(size * log1p(-x))) }
        if n > largestExactSize {
            let logP = -pow(6 * size * x + 1, 2) / 18 / size
            return clip(logP < -M_LN2 ? exp(logP) : 1 + expm1(logP))
        }
        // x Σ_{v=0}^{n−⌊nx⌋−1} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v)
        let termCount = n - nxFloor
        var sum = CompensatedSum()
        sum.add(exp(size * log1p(-x)) / x)
        var logBinomial = CompensatedSum()
        let middle = n / 2
        for v in 1..<max(termCount, 1) {
            logBinomial.add(log(Double(n - v + 1)) - log(Double(v)))
            let above = (Double(nxFloor + v) + alpha) / size  // x + v/n
            let below = (Double(n - nxFloor - v) - alpha) / size  // 1 − x − v/n
            let logAbove = below < 0.5 ? log1p(-below) : log(above)
            let logBelow = above < 0.5 ? log1p(-above) : log(below)
            let term = exp(logBinomial.value + Double(v - 1) * logAbove + Double(n - v) * logBelow)
            if term.isFinite && term > 0 {
                sum.add(term)
                if 4 * Double(termCount - v) * term < Double.ulpOfOne * sum.value && v != termCount - 1 { break }
            } else if v > middle {
                break
            }
        }
        return clip(x * sum.value)
    }

    static func clip(_ probability: Double) -> Double { min(max(probability, 0), 1) }
}

/// Kahan-Babuška summation: the sum of many terms without the rounding of each addition piling up.
struct CompensatedSum {
    private(set) var total = 0.0
    private var compensation = 0.0

    var value: Double { total + compensation }

    mutating func add(_ term: Double) {
        let next = total + term
        if abs(total) >= abs(term) {
            compensation += (total - next) + term
        } else {
            compensation += (term - next) + total
        }
        total = next
    }
}

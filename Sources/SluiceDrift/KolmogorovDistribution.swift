import Foundation

/// The distribution of the two-sided one-sample Kolmogorov-Smirnov statistic Dₙ for a sample of
/// n values (scipy's `kstwo`), by the method Simard and L'Ecuyer (2011) choose for each region of
/// (n, x), with scipy's thresholds: closed forms near the ends (Ruben-Gambino), Durbin's matrix
/// (Marsaglia-Tsang-Wang), Pomeranz's recursion, the Pelz-Good expansion, and twice the one-sided
/// Smirnov probability where that is exact or accurate to double precision.
public enum KolmogorovDistribution {
    /// P(Dₙ > x).
    public static func survival(n: Int, x: Double) -> Double {
        precondition(n >= 1, "the Kolmogorov distribution needs n >= 1")
        if x.isNaN { return .nan }
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let size = Double(n)
        let t = size * x
        if t <= 1 {
            if t <= 0.5 { return 1 }
            let cumulative: Double
            if n <= 140 {
                var product = 1.0
                for k in 1...n { product *= Double(k) * (1 / size) * (2 * t - 1) }
                cumulative = product
            } else {
                cumulative = exp(logFactorialOverPower(n) + size * log(2 * t - 1))
            }
            return clip(1 - cumulative)
        }
        if t >= size - 1 { return clip(2 * pow(1 - x, size)) }
        if x >= 0.5 { return clip(2 * SmirnovDistribution.survival(n: n, x: x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinMatrix(n: n, d: x)) }
            if nxSquared <= 4 { return clip(1 - pomeranz(n: n, x: x)) }
            return clip(2 * SmirnovDistribution.survival(n: n, x: x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * SmirnovDistribution.survival(n: n, x: x)) }
        if n <= 100_000 && size * pow(x, 1.5) <= 1.4 { return clip(1 - durbinMatrix(n: n, d: x)) }
        return clip(1 - pelzGood(n: n, x: x))
    }

    static func clip(_ probability: Double) -> Double { min(max(probability, 0), 1) }

    private static let scaleUp = 0x1p128
    private static let scaleDown = 0x1p-128

    /// log(n! / nⁿ) by Stirling's series.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients = [
            -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
            8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
            -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ]
        let reciprocal = 1 / Double(n)
        let argument = reciprocal / Double(n)
        var polynomial = 0.0
        for coefficient in coefficients { polynomial = polynomial * argument + coefficient }
        return log(Double(n)) / 2 - Double(n) + log(2 * Double.pi) / 2 + reciprocal * polynomial
    }

    /// P(Dₙ ≤ d) as the (k, k) entry of Hⁿ · n!/nⁿ, Durbin's matrix with k = ⌈nd⌉, powered by
    /// squaring with an exponent kept aside so that nothing overflows.
    static func durbinMatrix(n: Int, d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var factor = 1.0
        for j in 1...m {
            v[j - 1] = 1 - pow(h, Double(j))
            w[j - 1] = factor
            factor /= Double(j)
            v[j - 1] *= factor
        }
        let correction = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + correction) * factor
        var matrix = SquareMatrix(size: m)
        for i in 1..<max(m, 1) {
            for row in (i - 1)..<m { matrix[row, i] = w[row - (i - 1)] }
        }
        for row in 0..<m { matrix[row, 0] = v[row] }
        for column in 0..<m { matrix[m - 1, column] = v[m - 1 - column] }

        var power = SquareMatrix.identity(size: m)
        var remaining = n
        var exponent = 0
        var matrixExponent = 0
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = power * matrix
                exponent += matrixExponent
            }
            matrix = matrix * matrix
            matrixExponent *= 2
            if abs(matrix[k - 1, k - 1]) > scaleUp {
                matrix.scale(by: scaleDown)
                matrixExponent += 128
            }
            remaining /= 2
        }
        var probability = power[k - 1, k - 1]
        for i in 1...n {
            probability = Double(i) * probability / Double(n)
            if abs(probability) < scaleDown {
                probability *= scaleUp
                exponent -= 128
            }
        }
        if exponent != 0 { probability = scalbn(probability, exponent) }
        return clip(probability)
    }

    /// P(Dₙ ≤ x) by Pomeranz's recursion (1974), for n ≤ 140.
    static func pomeranz(n: Int, x: Double) -> Double {
        let t = Double(n) * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilF = f > 0 ? 1 : 0
        let roundF = f > 0.5 ? 1 : 0
        let powers = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powers)
        var twoGPower = [Double](repeating: 1, count: powers)
        var oneMinusTwoGPower = [Double](repeating: 1, count: powers)
        let (gOverN, twoGOverN, oneMinusTwoGOverN) = (g / Double(n), 2 * g / Double(n), (1 - 2 * g) / Double(n))
        for m in 1..<powers {
            gPower[m] = gPower[m - 1] * gOverN / Double(m)
            twoGPower[m] = twoGPower[m - 1] * twoGOverN / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * oneMinusTwoGOverN / Double(m)
        }
        var previous = [Double](repeating: 0, count: powers)
        var current = [Double](repeating: 0, count: powers)
        current[0] = 1
        var (previousStart, currentStart) = (0, 0)
        var exponent = 0
        var (j1, j2) = pomeranzBounds(0, n: n, ll: ll, ceilF: ceilF, roundF: roundF)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&previous, &current)
            swap(&previousStart, &currentStart)
            for index in current.indices { current[index] = 0 }
            (j1, j2) = pomeranzBounds(i, n: n, ll: ll, ceilF: ceilF, roundF: roundF)
            let weights = (i == 1 || i == 2 * n + 1) ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let span = j2 - k1 + 1
            guard span > 0 else { continue }
            // The full convolution of previous[k1 - start ..< + span] with weights[..< span],
            // entries j1 - k1 ..< j2 - k1 + 1 of it.
            // (numpy's slice ends at the row's end, so the row's part may be shorter than span).
            let base = k1 - previousStart
            let rowLength = max(0, min(span, powers - base))
            let first = j1 - k1
            let count = j2 - j1 + 1
            var largest = 0.0
            for position in 0..<count {
                let index = first + position
                var sum = 0.0
                let lower = max(0, index - span + 1)
                let upper = min(index, rowLength - 1)
                if lower <= upper {
                    for a in lower...upper { sum += previous[base + a] * weights[index - a] }
                }
                current[position] = sum
                largest = max(largest, sum)
            }
            if largest > 0 && largest < scaleDown {
                for index in 0..<count { current[index] *= scaleUp }
                exponent -= 128
            }
            currentStart = previousStart + j1 - k1
        }
        var answer = current[n - currentStart]
        for m in 1...n {
            if abs(answer) > scaleUp {
                answer *= scaleDown
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, exponent) }
        return clip(answer)
    }

    private static func pomeranzBounds(_ i: Int, n: Int, ll: Int, ceilF: Int, roundF: Int) -> (Int, Int) {
        let j1: Int
        let j2: Int
        if i == 0 {
            (j1, j2) = (-ll - ceilF - 1, ll + ceilF - 1)
        } else {
            let (half, odd) = ((i + 1) / 2, (i + 1) % 2)
            if odd == 0 {
                if half == n + 1 {
                    (j1, j2) = (n - ll - ceilF - 1, n + ll + ceilF - 1)
                } else {
                    (j1, j2) = (half - 1 - ll - roundF - 1, half + ll - 1 + ceilF - 1)
                }
            } else {
                (j1, j2) = (half - 1 - ll - 1, half + ll + roundF - 1)
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    /// P(Dₙ ≤ x) by the Pelz-Good (1976) expansion in powers of 1/√n.
    static func pelzGood(n: Int, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let piSquared = Double.pi * Double.pi
        let piFour = piSquared * piSquared
        let piSix = piFour * piSquared
        let z = Double(n).squareRoot() * x
        let (zSquared, zThree, zFour, zSix) = (z * z, z * z * z, pow(z, 4), pow(z, 6))
        let qLog = -piSquared / 8 / zSquared
        if qLog < -708 { return 0 }
        var q = exp(qLog)
        let k1a = -zSquared
        let k1b = piSquared / 4
        let k2a = 6 * zSix + 2 * zFour
        let k2b = (2 * zFour - 5 * zSquared) * piSquared / 4
        let k2c = piFour * (1 - 2 * zSquared) / 16
        let k3d = piSix * (5 - 30 * zSquared) / 64
        let k3c = piFour * (-60 * zSquared + 212 * zFour) / 16
        let k3b = piSquared * (135 * zFour - 96 * zSix) / 4
        let k3a = -30 * zSix - 90 * pow(z, 8)
        var terms = [0.0, 0.0, 0.0, 0.0]
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let m = Double(2 * k - 1)
                let (mSquared, mFour, mSix) = (m * m, pow(m, 4), pow(m, 6))
                let qPower = pow(q, Double(8 * k))
                let coefficients = [
                    1.0, k1a + k1b * mSquared, k2a + k2b * mSquared + k2c * mFour,
                    k3a + k3b * mSquared + k3c * mFour + k3d * mSix,
                ]
                for index in 0..<4 { terms[index] = terms[index] * qPower + coefficients[index] }
            }
        }
        let rootTwoPi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * zFour, 72 * pow(z, 7), 6480 * pow(z, 10)]
        for index in 0..<4 { terms[index] = terms[index] * q * rootTwoPi / divisors[index] }
        q = exp(-piSquared / 2 / zSquared)
        var secondExtra = 0.0
        var thirdExtra = 0.0
        let rootThreeZ = 3.0.squareRoot() * z
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let kSquared = Double(k * k)
                let qPower = pow(q, kSquared)
                let kPi = Double.pi * Double(k)
                secondExtra += kSquared * qPower
                thirdExtra += (rootThreeZ + kPi) * (rootThreeZ - kPi) * kSquared * qPower
            }
        }
        terms[2] += secondExtra * piSquared * rootTwoPi / (-36 * zThree)
        terms[3] += thirdExtra * piSquared * rootTwoPi / (216 * zSix)
        for index in 0..<4 { terms[index] /= pow(Double(n), Double(index) / 2) }
        return terms.reduce(0, +)
    }
}

/// A dense square matrix of doubles, row-major, for Durbin's matrix.
struct SquareMatrix {
    let size: Int
    private(set) var values: [Double]

    init(size: Int) {
        self.size = size
        values = [Double](repeating: 0, count: size * size)
    }

    static func identity(size: Int) -> SquareMatrix {
        var matrix = SquareMatrix(size: size)
        for index in 0..<size { matrix[index, index] = 1 }
        return matrix
    }

    subscript(row: Int, column: Int) -> Double {
        get { values[row * size + column] }
        set { values[row * size + column] = newValue }
    }

    mutating func scale(by factor: Double) {
        for index in values.indices { values[index] *= factor }
    }

    static func * (left: SquareMatrix, right: SquareMatrix) -> SquareMatrix {
        let size = left.size
        var product = SquareMatrix(size: size)
        left.values.withUnsafeBufferPointer { a in
            right.values.withUnsafeBufferPointer { b in
                product.values.withUnsafeMutableBufferPointer { c in
                    for row in 0..<size {
                        for inner in 0..<size {
                            let factor = a[row * size + inner]
                            if factor == 0 { continue }
                            for column in 0..<size { c[row * size + column] += factor * b[inner * size + column] }
                        }
                    }
                }
            }
        }
        return product
    }
}

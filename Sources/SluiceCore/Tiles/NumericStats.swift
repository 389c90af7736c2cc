/// Count, sum, minimum, maximum and the sum of squared deviations (M2) of a numeric field.
///
/// M2 is merged with Chan et al.'s parallel formula instead of keeping a raw sum of squares, which
/// would lose all precision for large amounts with a small spread.
public struct NumericStats: Sendable, Equatable {
    public var count: Int64 = 0
    public var sum: Double = 0
    public var minimum: Double = .infinity
    public var maximum: Double = -.infinity
    public var m2: Double = 0

    public init() {}

    public init(count: Int64, sum: Double, minimum: Double, maximum: Double, m2: Double) {
        self.count = count
        self.sum = sum
        self.minimum = minimum
        self.maximum = maximum
        self.m2 = m2
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }
    /// Population standard deviation.
    public var standardDeviation: Double? { count > 0 ? (max(m2, 0) / Double(count)).squareRoot() : nil }

    public mutating func add(_ value: Double) {
        if count == 0 {
            count = 1
            sum = value
            minimum = value
            maximum = value
            m2 = 0
            return
        }
        let previousMean = sum / Double(count)
        count += 1
        sum += value
        let mean = sum / Double(count)
        m2 += (value - previousMean) * (value - mean)
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
    }

    public mutating func merge(_ other: NumericStats) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let n1 = Double(count)
        let n2 = Double(other.count)
        let delta = other.sum / n2 - sum / n1
        m2 = m2 + other.m2 + delta * delta * n1 * n2 / (n1 + n2)
        count += other.count
        sum += other.sum
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }
}

/// Bins whose inner edges are a reference sample's quantiles at i/N, i = 1…N−1 (numpy.quantile's
/// default, linear method), equal edges merged; the first and last bins are open-ended. A value
/// equal to an edge belongs to the bin above it (numpy.searchsorted with side="right").
public struct QuantileBins: Sendable, Equatable {
    public let innerEdges: [Double]

    /// The number of bins: one more than the distinct inner edges.
    public var count: Int { innerEdges.count + 1 }

    /// - Parameters: `sortedReference` ascending, non-empty, free of NaN; `bins` at least 1.
    public init(sortedReference: [Double], bins: Int) {
        precondition(!sortedReference.isEmpty && bins >= 1, "quantile bins need a reference value and a bin")
        var edges: [Double] = []
        for index in 1..<max(bins, 1) {
            let edge = Self.quantile(sortedReference, Double(index) / Double(bins))
            if edges.last != edge { edges.append(edge) }
        }
        innerEdges = edges
    }

    public init(innerEdges: [Double]) { self.innerEdges = innerEdges }

    /// numpy.quantile(sorted, q) with method="linear": the value at virtual index q·(n−1),
    /// interpolated as numpy's `_lerp` does (from the upper neighbour when the fraction ≥ 0.5).
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let virtualIndex = q * Double(sorted.count - 1)
        if virtualIndex >= Double(sorted.count - 1) { return sorted[sorted.count - 1] }
        if virtualIndex < 0 { return sorted[0] }
        let lowerIndex = virtualIndex.rounded(.down)
        let fraction = virtualIndex - lowerIndex
        let lower = sorted[Int(lowerIndex)]
        let upper = sorted[Int(lowerIndex) + 1]
        let difference = upper - lower
        return fraction >= 0.5 ? upper - difference * (1 - fraction) : lower + difference * fraction
    }

    /// The bin of `value`: how many inner edges are at or below it.
    public func bin(of value: Double) -> Int {
        var (low, high) = (0, innerEdges.count)
        while low < high {
            let middle = (low + high) / 2
            if innerEdges[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// How many of `values` fall in each bin.
    public func counts(_ values: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: count)
        for value in values { counts[bin(of: value)] += 1 }
        return counts
    }
}

/// The first Wasserstein (earth mover's) distance between two samples, as
/// `scipy.stats.wasserstein_distance`: the area between their empirical distribution functions.
public enum WassersteinDistance {
    /// - Parameters: two samples, each sorted ascending, non-empty and free of NaN.
    public static func between(sortedReference first: [Double], sortedCurrent second: [Double]) -> Double {
        precondition(!first.isEmpty && !second.isEmpty, "the Wasserstein distance needs two non-empty samples")
        let (n1, n2) = (Double(first.count), Double(second.count))
        var area = CompensatedSum()
        // Between consecutive values both distribution functions are flat, at the lower value's.
        var previous: (value: Double, i: Int, j: Int)?
        MergedSamples.forEachDistinctValue(first, second) { value, i, j in
            if let previous {
                area.add(abs(Double(previous.i) / n1 - Double(previous.j) / n2) * (value - previous.value))
            }
            previous = (value, i, j)
        }
        return area.value
    }
}

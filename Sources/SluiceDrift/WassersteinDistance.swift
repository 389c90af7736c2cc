/// The first Wasserstein (earth mover's) distance between two samples, as
/// `scipy.stats.wasserstein_distance`: the area between their empirical distribution functions.
public enum WassersteinDistance {
    /// - Parameters: two samples, each sorted ascending, non-empty and free of NaN.
    public static func between(sortedReference first: [Double], sortedCurrent second: [Double]) -> Double {
        precondition(!first.isEmpty && !second.isEmpty, "the Wasserstein distance needs two non-empty samples")
        let (n1, n2) = (Double(first.count), Double(second.count))
        var (i, j) = (0, 0)
        var area = CompensatedSum()
        // Walk the merged values; between consecutive ones both distribution functions are flat.
        var previous = min(first[0], second[0])
        while i < first.count || j < second.count {
            let value: Double
            if i == first.count {
                value = second[j]
            } else if j == second.count {
                value = first[i]
            } else {
                value = min(first[i], second[j])
            }
            if value > previous {
                area.add(abs(Double(i) / n1 - Double(j) / n2) * (value - previous))
                previous = value
            }
            while i < first.count && first[i] <= value { i += 1 }
            while j < second.count && second[j] <= value { j += 1 }
        }
        return area.value
    }
}

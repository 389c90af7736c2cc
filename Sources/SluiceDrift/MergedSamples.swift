/// Two ascending samples walked together, as KS and Wasserstein both read them.
enum MergedSamples {
    /// Calls `body` for each distinct value of either sample, ascending, with how many values of
    /// each sample are at or below it.
    @inline(__always)
    static func forEachDistinctValue(
        _ first: [Double], _ second: [Double], _ body: (_ value: Double, _ firstCount: Int, _ secondCount: Int) -> Void
    ) {
        var (i, j) = (0, 0)
        while i < first.count || j < second.count {
            let value: Double
            if i == first.count {
                value = second[j]
            } else if j == second.count {
                value = first[i]
            } else {
                value = min(first[i], second[j])
            }
            while i < first.count && first[i] <= value { i += 1 }
            while j < second.count && second[j] <= value { j += 1 }
            body(value, i, j)
        }
    }
}

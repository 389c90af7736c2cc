/// Sample quantiles.
public enum Quantiles {
    /// The `q`-quantile of ascending `sorted` values by linear interpolation between the order
    /// statistics around (n − 1)·q (numpy's default `percentile` method). Nil when empty.
    public static func linear(sorted: [Double], q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = Double(sorted.count - 1) * q
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
    }
}

/// How a feature aggregates the events of its window.
public enum Aggregation: String, Sendable, CaseIterable {
    case count
    case sum
    case mean
    case min
    case max
    /// Population standard deviation.
    case stddev
    /// Exact up to `DistinctSketch.exactLimit` values, then HyperLogLog.
    case distinctCount = "distinct_count"
    /// The field of the newest event in the window (by event time; ties: the later offset).
    case last
    /// Seconds from the newest event in the window to the read time.
    case timeSinceLast = "time_since_last"

    /// Whether the aggregation reads a field.
    public var needsField: Bool { self != .count && self != .timeSinceLast }
    /// Whether the aggregation needs a numeric field.
    public var needsNumericField: Bool { [.sum, .mean, .min, .max, .stddev].contains(self) }
}

/// What the monitor publishes to the drift topic (`sluice.drift`) for each column of each closed
/// window, as JSON: the window, where the column came from, and the comparison with the
/// reference in the form of `sluice drift compare --json` (docs/drift.md). Keyed by
/// `<window_start>:<column>`: a record published twice (after a merger's restart) is the same.
public struct DriftWindowRecord: Sendable, Codable {
    /// The monitor's fingerprint (reference, bins, window size, columns), in hex.
    public var monitor: String
    public var topic: String
    public var column: String
    /// [start, end) in epoch milliseconds of event time.
    public var windowStart: Int64
    public var windowEnd: Int64
    /// When the window closed (wall clock, epoch ms).
    public var closedAt: Int64
    public var comparison: ColumnComparison

    public init(
        monitor: String, topic: String, column: String, windowStart: Int64, windowEnd: Int64, closedAt: Int64,
        comparison: ColumnComparison
    ) {
        self.monitor = monitor
        self.topic = topic
        self.column = column
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.closedAt = closedAt
        self.comparison = comparison
    }

    public var key: String { "\(windowStart):\(column)" }

    private enum Keys: String, CodingKey {
        case monitor, topic, column, comparison, drifted
        case windowStart = "window_start"
        case windowEnd = "window_end"
        case closedAt = "closed_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        monitor = try container.decode(String.self, forKey: .monitor)
        topic = try container.decode(String.self, forKey: .topic)
        column = try container.decode(String.self, forKey: .column)
        windowStart = try container.decode(Int64.self, forKey: .windowStart)
        windowEnd = try container.decode(Int64.self, forKey: .windowEnd)
        closedAt = try container.decode(Int64.self, forKey: .closedAt)
        comparison = try container.decode(ColumnComparison.self, forKey: .comparison)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(monitor, forKey: .monitor)
        try container.encode(topic, forKey: .topic)
        try container.encode(column, forKey: .column)
        try container.encode(windowStart, forKey: .windowStart)
        try container.encode(windowEnd, forKey: .windowEnd)
        try container.encode(closedAt, forKey: .closedAt)
        try container.encode(comparison.decision?.drifted, forKey: .drifted)
        try container.encode(comparison, forKey: .comparison)
    }
}

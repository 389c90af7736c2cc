/// What the monitor publishes to the drift topic for each variant of each window whose labels
/// matured: the window, the variant, and its `ConceptWindowMetrics` (docs/drift.md). Keyed by
/// `<window_start>:concept:<model>:<variant>:<version>`; the field `kind` is `concept`, which
/// tells it from the column records of data drift.
public struct ConceptWindowRecord: Sendable, Codable, Equatable {
    public var kind = "concept"
    public var monitor: String
    public var model: String
    /// `champion`, `canary`, an A/B arm, or `shadow`.
    public var variant: String
    public var version: Int
    /// False for shadow scores, which never answered.
    public var served: Bool
    /// [start, end) in epoch milliseconds of event time.
    public var windowStart: Int64
    public var windowEnd: Int64
    /// When the window was judged (wall clock, epoch ms).
    public var closedAt: Int64
    /// The longest label delay that counted: the window was judged as of its end plus this.
    public var labelDelayMax: Int64
    public var metrics: ConceptWindowMetrics

    public init(
        monitor: String, model: String, variant: String, version: Int, served: Bool, windowStart: Int64,
        windowEnd: Int64, closedAt: Int64, labelDelayMax: Int64, metrics: ConceptWindowMetrics
    ) {
        self.monitor = monitor
        self.model = model
        self.variant = variant
        self.version = version
        self.served = served
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.closedAt = closedAt
        self.labelDelayMax = labelDelayMax
        self.metrics = metrics
    }

    public var key: String { "\(windowStart):concept:\(model):\(variant):\(version)" }
    /// "champion v3", "shadow v4".
    public var label: String { "\(variant) v\(version)" }
    /// Concept drift in this window: P(Y|X) moved, or DDM signalled.
    public var drifted: Bool { metrics.conditionalShift || (metrics.detector?.drifts ?? 0) > 0 }

    private enum CodingKeys: String, CodingKey {
        case kind, monitor, model, variant, version, served, metrics, drifted
        case windowStart = "window_start"
        case windowEnd = "window_end"
        case closedAt = "closed_at"
        case labelDelayMax = "label_delay_max_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        guard kind == "concept" else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "not a concept record: \(kind)")
        }
        monitor = try container.decode(String.self, forKey: .monitor)
        model = try container.decode(String.self, forKey: .model)
        variant = try container.decode(String.self, forKey: .variant)
        version = try container.decode(Int.self, forKey: .version)
        served = try container.decode(Bool.self, forKey: .served)
        windowStart = try container.decode(Int64.self, forKey: .windowStart)
        windowEnd = try container.decode(Int64.self, forKey: .windowEnd)
        closedAt = try container.decode(Int64.self, forKey: .closedAt)
        labelDelayMax = try container.decode(Int64.self, forKey: .labelDelayMax)
        metrics = try container.decode(ConceptWindowMetrics.self, forKey: .metrics)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(monitor, forKey: .monitor)
        try container.encode(model, forKey: .model)
        try container.encode(variant, forKey: .variant)
        try container.encode(version, forKey: .version)
        try container.encode(served, forKey: .served)
        try container.encode(windowStart, forKey: .windowStart)
        try container.encode(windowEnd, forKey: .windowEnd)
        try container.encode(closedAt, forKey: .closedAt)
        try container.encode(labelDelayMax, forKey: .labelDelayMax)
        try container.encode(drifted, forKey: .drifted)
        try container.encode(metrics, forKey: .metrics)
    }
}

/// A feature topology: where events come from, what they look like, and which features to compute
/// per entity. Built by `SluiceTopology`'s YAML loader or in code; `validated()` checks it.
public struct Topology: Sendable, Equatable {
    public var name: String
    public var source: SourceSpec
    public var views: [ViewSpec]

    public init(name: String, source: SourceSpec, views: [ViewSpec]) {
        self.name = name
        self.source = source
        self.views = views
    }

    public func view(named name: String) -> ViewSpec? { views.first { $0.name == name } }
}

/// The event stream: its topic, schema and validation limits.
public struct SourceSpec: Sendable, Equatable {
    public var topic: String
    public var deadLetterTopic: String
    public var fields: [FieldSpec]
    /// Name of the field holding the event time in epoch milliseconds.
    public var eventTimeField: String
    /// Name of the field identifying the event (for the offline log and label joins).
    public var eventIdField: String
    /// Messages larger than this go to the dead-letter topic as `oversized`.
    public var maxMessageBytes: Int
    /// Events whose time is more than this after the Kafka message timestamp are `future_timestamp`.
    public var maxFutureSkew: Int64

    public init(
        topic: String, deadLetterTopic: String, fields: [FieldSpec], eventTimeField: String, eventIdField: String,
        maxMessageBytes: Int = 64 * 1024, maxFutureSkew: Int64 = 5 * 60_000
    ) {
        self.topic = topic
        self.deadLetterTopic = deadLetterTopic
        self.fields = fields
        self.eventTimeField = eventTimeField
        self.eventIdField = eventIdField
        self.maxMessageBytes = maxMessageBytes
        self.maxFutureSkew = maxFutureSkew
    }

    public func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// One field of the event schema with its validation rules.
public struct FieldSpec: Sendable, Equatable {
    public enum FieldType: String, Sendable, CaseIterable {
        case string, int, double, bool
        /// Integer epoch milliseconds.
        case timestampMillis = "timestamp_ms"
    }

    public var name: String
    public var type: FieldType
    public var required: Bool
    /// Inclusive numeric bounds (int, double, timestamp_ms).
    public var minimum: Double?
    public var maximum: Double?
    /// Maximum length in bytes of a string; entity ids are also checked to be non-empty and free
    /// of control characters.
    public var maxLength: Int?

    public init(
        name: String, type: FieldType, required: Bool = false, minimum: Double? = nil, maximum: Double? = nil,
        maxLength: Int? = nil
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.minimum = minimum
        self.maximum = maximum
        self.maxLength = maxLength
    }
}

/// Features of one entity type, keyed by one string field of the event.
public struct ViewSpec: Sendable, Equatable {
    public var name: String
    public var keyField: String
    public var description: String
    public var features: [FeatureSpec]
    /// Events older than the partition's newest event time minus this are late for this view.
    public var allowedLateness: Int64
    /// Redis TTL of an entity's tiles; defaults to the longest window + its tile + the lateness.
    public var ttl: Int64
    /// Features computed at request time from request inputs and the stored features.
    public var onDemand: [OnDemandSpec]

    public init(
        name: String, keyField: String, description: String = "", features: [FeatureSpec], allowedLateness: Int64,
        ttl: Int64? = nil, onDemand: [OnDemandSpec] = []
    ) {
        self.onDemand = onDemand
        self.name = name
        self.keyField = keyField
        self.description = description
        self.features = features
        self.allowedLateness = allowedLateness
        self.ttl = ttl ?? ViewSpec.defaultTTL(features: features, allowedLateness: allowedLateness)
    }

    public static func defaultTTL(features: [FeatureSpec], allowedLateness: Int64) -> Int64 {
        let longest = features.max { $0.window + $0.tile < $1.window + $1.tile }
        return (longest.map { $0.window + $0.tile } ?? 0) + allowedLateness
    }
}

/// One windowed feature.
public struct FeatureSpec: Sendable, Equatable {
    public var name: String
    public var aggregation: Aggregation
    /// The aggregated field; nil for `count` and `time_since_last`.
    public var field: String?
    /// Window length in milliseconds.
    public var window: Int64
    /// Tile size in milliseconds.
    public var tile: Int64
    public var description: String

    public init(
        name: String, aggregation: Aggregation, field: String? = nil, window: Int64, tile: Int64,
        description: String = ""
    ) {
        self.name = name
        self.aggregation = aggregation
        self.field = field
        self.window = window
        self.tile = tile
        self.description = description
    }
}

/// A feature computed at request time (or, in the feature log, at the event) from one input field
/// of the request (or event) and one stored feature of the same view.
public struct OnDemandSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// input / feature: null when either is missing or the feature is 0.
        case ratio
        /// 1 when the input value is not among the distinct values of the feature's window (a
        /// `distinct_count` feature), else 0; null when the input is missing or the window's
        /// sketch is a HyperLogLog (membership unknown).
        case notSeen = "not_seen"
    }

    public var name: String
    public var kind: Kind
    /// Source field the request (or event) provides.
    public var input: String
    /// Stored feature of the view it reads.
    public var feature: String
    public var description: String

    public init(name: String, kind: Kind, input: String, feature: String, description: String = "") {
        self.name = name
        self.kind = kind
        self.input = input
        self.feature = feature
        self.description = description
    }
}

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

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

/// An event whose fields passed the schema's checks. `values` is indexed like the schema's fields.
public struct DecodedEvent: Sendable, Equatable {
    public var values: [FieldValue]
    /// Event time in epoch milliseconds.
    public var eventTime: Int64

    public init(values: [FieldValue], eventTime: Int64) {
        self.values = values
        self.eventTime = eventTime
    }
}

/// Why an event was not applied. The raw value is the `reason` header of its dead-letter record
/// and the label of the dead-letter counter.
public enum RejectionReason: String, Sendable, CaseIterable, Hashable {
    case malformedJSON = "malformed_json"
    case missingField = "missing_field"
    case wrongType = "wrong_type"
    /// NaN, infinite, or not representable in the field's type.
    case invalidNumber = "invalid_number"
    case outOfRange = "out_of_range"
    case oversized
    case futureTimestamp = "future_timestamp"
    case invalidEntityID = "invalid_entity_id"
    /// Older than the partition's watermark for every view.
    case late
}

/// A rejected event: the reason, and a detail naming the field and value.
public struct Rejection: Error, Sendable, Equatable {
    public var reason: RejectionReason
    public var detail: String

    public init(_ reason: RejectionReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

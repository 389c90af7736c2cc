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

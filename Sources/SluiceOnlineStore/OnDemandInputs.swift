import SluiceCore

/// Where a read's on-demand features take their input fields from.
public enum OnDemandInputs: Sendable {
    /// Inputs by source field name: one dictionary for all requests of the read, or one per
    /// request; none (an empty array) leaves on-demand features null.
    case named([[String: FieldValue]])
    /// A decoded event's values (the source's fields in schema order), for every request.
    case event([FieldValue])

    public static let none = OnDemandInputs.named([])

    /// The value of source field `field` for the read's request `request`.
    func value(request: Int, field: Int, fields: [FieldSpec]) -> FieldValue? {
        switch self {
        case .named(let inputs):
            guard !inputs.isEmpty else { return nil }
            return inputs[inputs.count == 1 ? 0 : request][fields[field].name]
        case .event(let values):
            return field < values.count ? values[field] : nil
        }
    }
}

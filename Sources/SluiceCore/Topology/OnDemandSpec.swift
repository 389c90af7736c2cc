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

/// An on-demand feature resolved: where its input is in the schema and which stored feature
/// (and, for `not_seen`, which tiles and sketch slot) it reads.
public struct OnDemandPlan: Sendable, Equatable {
    public let spec: OnDemandSpec
    public let inputField: Int
    /// Index of the stored feature in the view's features.
    public let storedFeature: Int
    public let storedPlan: FeaturePlan
}

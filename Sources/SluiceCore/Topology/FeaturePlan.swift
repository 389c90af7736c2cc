/// Where a feature's value comes from.
public struct FeaturePlan: Sendable, Equatable {
    public let feature: FeatureSpec
    public let group: Int
    /// Index into the group's numeric, distinct or last slots, by aggregation.
    public let slot: Int
}

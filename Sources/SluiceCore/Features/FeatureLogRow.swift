/// One row of the offline feature log: an accepted event, where it came from, and every view's
/// feature values at the event's time, computed from the state just before the event was applied.
public struct FeatureLogRow: Sendable, Equatable {
    public var eventID: String
    public var eventTime: Int64
    /// Entity keys, in `FeatureLogLayout.keyFields` order.
    public var keys: [String?]
    public var partition: Int32
    public var offset: Int64
    /// Feature values, view after view, each view's features in declaration order.
    public var features: [Double?]

    public init(
        eventID: String, eventTime: Int64, keys: [String?], partition: Int32, offset: Int64, features: [Double?]
    ) {
        self.eventID = eventID
        self.eventTime = eventTime
        self.keys = keys
        self.partition = partition
        self.offset = offset
        self.features = features
    }

    /// Equality that treats two NaNs (and two nulls) as the same value, as a comparison of logged
    /// rows must.
    public func sameValues(as other: FeatureLogRow) -> Bool {
        guard eventID == other.eventID, eventTime == other.eventTime, keys == other.keys, partition == other.partition,
            offset == other.offset, features.count == other.features.count
        else { return false }
        return zip(features, other.features).allSatisfy(Self.sameFeature)
    }

    /// Bit-for-bit equality of two feature values (null equals null).
    public static func sameFeature(_ left: Double?, _ right: Double?) -> Bool {
        switch (left, right) {
        case (nil, nil): true
        case (let left?, let right?): left.bitPattern == right.bitPattern || (left.isNaN && right.isNaN)
        default: false
        }
    }
}

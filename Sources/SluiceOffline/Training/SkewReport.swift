import SluiceCore

/// Compares two feature logs of one topology row by row, joined on (partition, offset): the log
/// the live engine wrote (what models were served) and a replay (what training sets are built
/// from). Values must be equal to the bit (both null, or both NaN, count as equal) unless a
/// relative tolerance is given.
public struct SkewReport: Sendable {
    public struct FeatureResult: Sendable {
        public var name: String
        public var compared = 0
        public var mismatches = 0
        /// The first mismatch: (partition, offset, served value, offline value).
        public var example: (partition: Int32, offset: Int64, served: Double?, offline: Double?)?
    }

    public var sampled = 0
    /// Sampled served rows with no offline row (or the other way round).
    public var missingOffline = 0
    public var missingServed = 0
    public var features: [FeatureResult] = []

    public var totalMismatches: Int { features.reduce(0) { $0 + $1.mismatches } + missingOffline }
}

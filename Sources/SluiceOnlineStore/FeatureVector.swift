import SluiceCore

/// A view's features for one entity as of one read time.
public struct FeatureVector: Sendable, Equatable {
    public var view: String
    public var entity: String
    /// Read time, epoch milliseconds.
    public var at: Int64
    public var names: [String]
    /// In `names` order; nil where undefined (empty window).
    public var values: [Double?]
    /// Event time of the newest event in the entity's tiles, nil for an unknown entity.
    public var newestEventTime: Int64?

    public subscript(name: String) -> Double?? {
        names.firstIndex(of: name).map { values[$0] }
    }
}

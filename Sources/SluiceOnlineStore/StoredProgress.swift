import SluiceCore

/// A partition's progress as stored in the offsets hash (`OnlineStoreLayout.offsetsKey`):
/// `<next offset>:<newest event time>`.
public struct StoredProgress: Sendable, Equatable {
    public var nextOffset: Int64
    public var newestEventTime: Int64
    /// Whether anything was stored; without, the store holds no tile of the partition either.
    public var isStored = true

    public init(nextOffset: Int64, newestEventTime: Int64) {
        self.nextOffset = nextOffset
        self.newestEventTime = newestEventTime
    }

    /// Parses a stored value; nil (never written) means the start of the partition.
    public init(_ text: String?) throws(OnlineStoreError) {
        guard let text else {
            self.init(nextOffset: 0, newestEventTime: .min)
            isStored = false
            return
        }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let offset = Int64(parts[0]), let time = Int64(parts[1]) else {
            throw OnlineStoreError(.corruptValue, "stored progress '\(text)' is not <offset>:<event time>")
        }
        self.init(nextOffset: offset, newestEventTime: time)
    }

    public var text: String { "\(nextOffset):\(newestEventTime)" }
}

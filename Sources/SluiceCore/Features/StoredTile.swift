/// A tile as read back from the online store: which group, tile and partition it belongs to.
public struct StoredTile: Sendable, Equatable {
    public var group: Int
    public var tile: Int64
    public var partition: Int32
    public var accumulator: TileAccumulator

    public init(group: Int, tile: Int64, partition: Int32, accumulator: TileAccumulator) {
        self.group = group
        self.tile = tile
        self.partition = partition
        self.accumulator = accumulator
    }
}

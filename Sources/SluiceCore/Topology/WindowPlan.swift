/// One window length over one tile group, and the indexes of the plans read from it.
public struct WindowPlan: Sendable, Equatable {
    public let group: Int
    public let window: Int64
    /// The group's tile size, here too so that a read needs no trip to the group.
    public let tileSize: Int64
    public internal(set) var plans: [Int]

    /// Tiles the window read at `time` covers.
    @inline(__always)
    public func tiles(at time: Int64) -> ClosedRange<Int64> {
        TileGroup.tiles(window: window, tileSize: tileSize, at: time)
    }
}

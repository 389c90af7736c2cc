/// The tiles of one entity as read back from the online store, in storage kept from read to
/// read: the next read decodes into the tiles of the last one (their arrays, exact distinct sets
/// included), so that a read path decoding tiles of the same shapes over and over (one buffer per
/// view) allocates nothing once warm. Whoever holds references into the tiles (a window's
/// distinct unions) must drop them before the next read, or its decoding copies what they share.
///
/// A read is `begin()`, the decodes, then `end()`; `tiles` holds the read's tiles after `end()`.
public struct StoredTileBuffer: Sendable {
    /// After `end()`, the tiles decoded since `begin()`, in decoding order. While decoding, the
    /// tiles from position `used` on are the last read's, waiting to be decoded over.
    public internal(set) var tiles: [StoredTile] = []
    private var used = 0
    /// Tiles of earlier reads beyond the last read's count, kept for their storage.
    private var spare: [StoredTile] = []

    public init() {}

    /// Starts a read.
    public mutating func begin() { used = 0 }

    /// Ends a read: `tiles` is then exactly the tiles decoded since `begin()`.
    public mutating func end() {
        while tiles.count > used { spare.append(tiles.removeLast()) }
    }

    /// Decodes one stored tile of `layout`'s group `group` and adds it.
    public mutating func decode(_ bytes: [UInt8], layout: ViewLayout, group: Int, tile: Int64, partition: Int32)
        throws(TileCodec.DecodingError)
    {
        let position = add(group: group, tile: tile, partition: partition)
        try TileCodec.decode(bytes, group: layout.groups[group], into: &tiles[position].accumulator)
    }

    /// Decodes a stored run of `layout`'s group `group` and adds its tiles.
    public mutating func decodeRun(_ bytes: [UInt8], layout: ViewLayout, group: Int, partition: Int32)
        throws(TileCodec.DecodingError)
    {
        try TileCodec.decodeRun(
            bytes, group: layout.groups[group], groupIndex: group, partition: partition, into: &self)
    }

    /// Adds a tile (one of an earlier read when there is one, its accumulator still holding what
    /// it held, for the caller to decode over) and returns its position.
    mutating func add(group: Int, tile: Int64, partition: Int32) -> Int {
        if used == tiles.count {
            tiles.append(
                spare.popLast()
                    ?? StoredTile(
                        group: group, tile: tile, partition: partition,
                        accumulator: TileAccumulator(numericSlots: 0, distinctSlots: 0, lastSlots: 0)))
        }
        tiles[used].group = group
        tiles[used].tile = tile
        tiles[used].partition = partition
        used += 1
        return used - 1
    }
}

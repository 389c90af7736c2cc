import SluiceCore
import SluiceRedis

/// Encodes the Redis commands that bring an entity's hash up to date with its tiles: HDEL of the
/// removed tile fields, then one HSET of the changed tiles and tile runs with the partition's
/// applied offset, and PEXPIRE when the caller asks for it (docs/storage.md). Buffers are kept
/// from one entity to the next.
public struct TileWriteEncoder {
    /// The changed tiles' and tile runs' encoded values, back to back, and where each ends.
    private var values: [UInt8] = []
    private var valueEnds: [Int] = []
    private var field: [UInt8] = []
    private var key: [UInt8] = []
    /// What each value is: a tile of a group, or (tile nil) a group's whole tile run.
    private var writes: [(group: Int, tile: Int64?)] = []
    private var deletes: [EntityTiles.TileKey] = []

    public init() {}

    /// Drains `tiles`' changes into HDEL and HSET commands on the entity's key. `keyPrefix` is the
    /// view's key up to the entity id (`OnlineStoreLayout.entityKeyPrefix`). Returns whether an
    /// HSET was written: only then may the key need its TTL set (`appendExpire`), since a key
    /// that only lost fields keeps the TTL it had.
    public mutating func encode(
        entity: String, tiles: inout EntityTiles, layout: ViewLayout, partition: Int32, keyPrefix: [UInt8],
        into pipeline: inout RedisPipeline
    ) -> Bool {
        writes.removeAll(keepingCapacity: true)
        deletes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        valueEnds.removeAll(keepingCapacity: true)
        // Values are encoded as the changed tiles are found, while they are in the processor's caches.
        tiles.drainChanges(
            deletes: &deletes,
            write: { tile, accumulator in
                writes.append((tile.group, tile.tile))
                TileCodec.encode(lent: &accumulator, into: &values)
                valueEnds.append(values.count)
            },
            writeRun: { group, run in
                writes.append((group, nil))
                TileCodec.encodeRun(run, into: &values)
                valueEnds.append(values.count)
            })
        setKey(keyPrefix, entity)
        // Deletes first: each command leaves the key consistent with its applied offset, which
        // the HSET moves with the tiles (docs/storage.md).
        if !deletes.isEmpty {
            pipeline.beginCommand(argumentCount: 2 + deletes.count)
            pipeline.add("HDEL")
            pipeline.add(bytes: key)
            for change in deletes {
                addFieldName(group: change.group, tile: change.tile, of: layout, partition: partition, to: &pipeline)
            }
        }
        guard !writes.isEmpty else { return false }
        pipeline.beginCommand(argumentCount: 4 + 2 * writes.count)
        pipeline.add("HSET")
        pipeline.add(bytes: key)
        field.removeAll(keepingCapacity: true)
        TileFieldNames.appendAppliedOffsetFieldName(partition: partition, to: &field)
        pipeline.add(bytes: field)
        pipeline.add(tiles.appliedOffset)
        values.withUnsafeBytes { values in
            var start = 0
            for (change, end) in zip(writes, valueEnds) {
                addFieldName(group: change.group, tile: change.tile, of: layout, partition: partition, to: &pipeline)
                pipeline.add(bytes: UnsafeRawBufferPointer(rebasing: values[start..<end]))
                start = end
            }
        }
        return true
    }

    /// Sets the TTL of the key `encode` last wrote.
    public func appendExpire(_ layout: ViewLayout, into pipeline: inout RedisPipeline) {
        pipeline.beginCommand(argumentCount: 3)
        pipeline.add("PEXPIRE")
        pipeline.add(bytes: key)
        pipeline.add(layout.view.ttl)
    }

    /// Sets the TTL of an entity's key without writing its tiles (events found already written).
    public mutating func appendExpire(
        entity: String, layout: ViewLayout, keyPrefix: [UInt8], into pipeline: inout RedisPipeline
    ) {
        setKey(keyPrefix, entity)
        appendExpire(layout, into: &pipeline)
    }

    private mutating func setKey(_ keyPrefix: [UInt8], _ entity: String) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyPrefix)
        key.append(contentsOf: entity.utf8)
    }

    /// The field of a tile of `group`, or with `tile` nil, of the group's tile run.
    private mutating func addFieldName(
        group: Int, tile: Int64?, of layout: ViewLayout, partition: Int32, to pipeline: inout RedisPipeline
    ) {
        field.removeAll(keepingCapacity: true)
        let tileSize = layout.groups[group].tileSize
        if let tile {
            TileFieldNames.appendFieldName(tileSize: tileSize, tile: tile, partition: partition, to: &field)
        } else {
            TileFieldNames.appendRunFieldName(tileSize: tileSize, partition: partition, to: &field)
        }
        pipeline.add(bytes: field)
    }
}

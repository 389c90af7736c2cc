import SluiceCore
import SluiceRedis
import Synchronization

/// The read path of the online store: one HGETALL per entity (pipelined for several), decoded
/// into tiles and computed at the read time by `FeatureCalculator`.
public struct OnlineStoreReader: Sendable {
    public let compiled: CompiledTopology
    public let keys: OnlineStoreLayout
    /// One pool per view (in `compiled.layouts` order): a scratch set up for one view's windows
    /// and distinct slots is ready for that view's next read, where one shared by views of
    /// different shapes would be torn down and set up again at each change of view.
    private let scratches: [ScratchPool]

    public init(compiled: CompiledTopology) {
        self.compiled = compiled
        self.keys = OnlineStoreLayout(compiled: compiled)
        scratches = compiled.layouts.map { _ in ScratchPool() }
    }

    /// Features of `entity` in `view` at `time` (epoch ms), in one Redis round trip.
    public func read(view: String, entity: String, at time: Int64, connection: any RedisCommandClient) throws
        -> FeatureVector
    {
        try read([(view, entity)], at: time, connection: connection)[0]
    }

    /// Features of several (view, entity) pairs at `time`, in one pipelined round trip. On-demand
    /// features take their inputs from `inputs` and are null without them.
    public func read(
        _ requests: [(view: String, entity: String)], at time: Int64, connection: any RedisCommandClient,
        inputs: OnDemandInputs = .none
    ) throws -> [FeatureVector] {
        let pipeline = try self.pipeline(for: requests)
        return try vectors(requests, at: time, replies: try connection.execute(pipeline), inputs: inputs)
    }

    /// The one round trip of a read: an HGETALL per (view, entity), in order.
    public func pipeline(for requests: [(view: String, entity: String)]) throws -> RedisPipeline {
        var pipeline = RedisPipeline(reservingCapacity: 96 * requests.count)
        for request in requests {
            pipeline.append("HGETALL", .string(keys.entityKey(view: try layout(request.view), entity: request.entity)))
        }
        return pipeline
    }

    /// The feature vectors from the replies to `pipeline(for: requests)`.
    public func vectors(
        _ requests: [(view: String, entity: String)], at time: Int64, replies: [RedisValue],
        inputs: OnDemandInputs = .none
    ) throws -> [FeatureVector] {
        let layouts = try requests.map { try layoutIndex($0.view) }
        let fields = compiled.topology.source.fields
        return try requests.indices.map { index in
            let request = requests[index]
            let layout = compiled.layouts[layouts[index]]
            let reply = replies[index]
            if let message = reply.errorMessage {
                throw OnlineStoreError(.unexpectedReply, "reading \(request.view) \(request.entity): \(message)")
            }
            return try scratches[layouts[index]].use { scratch in
                try Self.decode(reply, layout: layout, partition: nil, into: &scratch.tiles)
                defer { scratch.window.releaseTiles() }
                let tiles = scratch.tiles.tiles
                var values: [Double?] = []
                values.reserveCapacity(layout.allFeatureNames.count)
                FeatureCalculator.compute(layout, tiles: tiles, at: time, scratch: &scratch.window, into: &values)
                if !layout.onDemand.isEmpty {
                    values += FeatureCalculator.onDemand(
                        layout, stored: values, input: { inputs.value(request: index, field: $0, fields: fields) }
                    ) { plan, hash in
                        FeatureCalculator.windowContains(plan, hash: hash, tiles: tiles, layout: layout, at: time)
                    }
                }
                return FeatureVector(
                    view: request.view, entity: request.entity, at: time, names: layout.allFeatureNames,
                    values: values, newestEventTime: FeatureCalculator.newestEventTime(tiles))
            }
        }
    }

    private func layout(_ view: String) throws -> ViewLayout { compiled.layouts[try layoutIndex(view)] }

    private func layoutIndex(_ view: String) throws -> Int {
        guard let layout = compiled.layouts.firstIndex(where: { $0.view.name == view }) else {
            throw OnlineStoreError(
                .unknownView,
                "unknown view '\(view)'; the topology '\(compiled.topology.name)' has "
                    + compiled.layouts.map(\.view.name).joined(separator: ", "))
        }
        return layout
    }

    /// The applied-offset fields of an HGETALL reply, by partition.
    package static func appliedOffsets(from reply: RedisValue) -> [Int32: Int64] {
        guard let items = reply.array else { return [:] }
        var offsets: [Int32: Int64] = [:]
        var index = 0
        while index + 1 < items.count {
            defer { index += 2 }
            guard let name = items[index].bytes, let partition = TileFieldNames.parseAppliedOffsetFieldName(name),
                let offset = items[index + 1].int
            else { continue }
            offsets[partition] = offset
        }
        return offsets
    }

    /// Decodes an HGETALL reply into tiles, keeping only `partition`'s when given.
    package static func tiles(from reply: RedisValue, layout: ViewLayout, partition: Int32?) throws -> [StoredTile] {
        var buffer = StoredTileBuffer()
        try decode(reply, layout: layout, partition: partition, into: &buffer)
        return buffer.tiles
    }

    /// Decodes an HGETALL reply's tiles into `buffer` (one read: what it held before is
    /// replaced), keeping only `partition`'s when given.
    static func decode(_ reply: RedisValue, layout: ViewLayout, partition: Int32?, into buffer: inout StoredTileBuffer)
        throws
    {
        buffer.begin()
        defer { buffer.end() }
        guard let items = reply.array, items.count % 2 == 0 else {
            if reply.isNull { return }
            throw OnlineStoreError(.unexpectedReply, "unexpected reply to HGETALL: \(reply)")
        }
        var index = 0
        while index < items.count {
            defer { index += 2 }
            guard let name = items[index].bytes else { continue }
            let parsed: (tileSize: Int64, tile: Int64?, partition: Int32)
            if let tile = TileFieldNames.parseFieldName(name) {
                parsed = (tile.tileSize, tile.tile, tile.partition)
            } else if let run = TileFieldNames.parseRunFieldName(name) {
                parsed = (run.tileSize, nil, run.partition)
            } else {
                continue  // an applied offset
            }
            if let partition, parsed.partition != partition { continue }  // skipped before decoding
            guard let group = layout.groups.firstIndex(where: { $0.tileSize == parsed.tileSize }),
                let value = items[index + 1].bytes
            else { continue }
            do {
                if let tile = parsed.tile {
                    try buffer.decode(value, layout: layout, group: group, tile: tile, partition: parsed.partition)
                } else {
                    try buffer.decodeRun(value, layout: layout, group: group, partition: parsed.partition)
                }
            } catch {
                throw OnlineStoreError(
                    .corruptValue,
                    "tile \(String(decoding: name, as: UTF8.self)) of view \(layout.view.name) is corrupt: \(error)")
            }
        }
    }
}

/// What a read reuses from one read of its view to the next: the decoded tiles' storage and
/// the window scratch (whose distinct unions cost several kilobytes to set up, more than the rest
/// of a lookup). Reads on several threads each take one.
struct ReadScratch {
    var tiles = StoredTileBuffer()
    var window = WindowScratch()
}

/// The read scratches of one view, kept between reads.
private final class ScratchPool: Sendable {
    private let free = Mutex<[ReadScratch]>([])

    func use<Result>(_ body: (inout ReadScratch) throws -> Result) rethrows -> Result {
        var scratch = free.withLock { $0.popLast() } ?? ReadScratch()
        defer { free.withLock { $0.append(scratch) } }
        return try body(&scratch)
    }
}

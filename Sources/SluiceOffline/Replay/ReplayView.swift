import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// One shard of one view's state during a replay, touched by one thread at a time: the entities
/// whose id hashes to the shard and, per entity, the tiles each source partition contributed, in
/// ascending partition order (one dictionary lookup per event, where per-partition dictionaries
/// would take one per partition).
final class ReplayView {
    let view: Int
    let shard: Int
    private let shards: Int
    private let rules: EventRules
    private let output: ReplayViewFeatures
    private var entities: [String: Entity] = [:]
    private var scratch: [Double?] = []
    private var windows = WindowScratch()
    private var features: [Double?] = []
    private(set) var time = TaskTime()

    struct Entity {
        /// In ascending partition order.
        var parts: [PartitionTiles] = []
        /// Always present: replay reads and applies every entity with its distinct sets kept.
        var distinct: EntityDistinctCaches? = EntityDistinctCaches()
    }

    struct PartitionTiles {
        var slot: Int
        var tiles: EntityTiles
    }

    init(view: Int, shard: Int, of shards: Int, rules: EventRules, output: ReplayViewFeatures) {
        self.view = view
        self.shard = shard
        self.shards = shards
        self.rules = rules
        self.output = output
    }

    /// For each event of the shard, in batch order: writes its row's features of the view (from
    /// the state before it) to the output, then applies it.
    func process(_ batch: [ReplayEvent], parity: Int) {
        let started = ContinuousClock.now
        // Worked on as locals (uniquely referenced), put back at the end.
        var entities = self.entities
        var features = self.features
        var scratch = self.scratch
        var windows = self.windows
        self.entities = [:]
        self.features = []
        let bit: UInt64 = 1 << UInt64(view)
        let groupCount = rules.layouts[view].groups.count
        // Through a buffer pointer, which lends the events: `for item in batch` copied every
        // event of the batch (retaining its values) in every shard of every view.
        batch.withUnsafeBufferPointer { batch in
            for position in batch.indices {
                let item = batch.baseAddress! + position
                if shards > 1 && item.pointee.shardOfViews != ReplayEvent.noShards
                    && item.pointee.shard(ofView: view) != shard
                {
                    continue
                }
                let entity = rules.entity(of: item.pointee.event, view: view)
                if shards > 1 && item.pointee.shardOfViews == ReplayEvent.noShards
                    && Int(StableHash.hash(entity) % UInt64(shards)) != shard
                {
                    continue
                }
                var index = entities.index(forKey: entity)
                if item.pointee.logsRow {
                    features.removeAll(keepingCapacity: true)
                    // The tiles and distinct sets are moved out while they are read, and back after
                    // (swapped in place: reading them through `values[index]` would copy the entity).
                    var distinct: EntityDistinctCaches? = EntityDistinctCaches()
                    var parts: [PartitionTiles] = []
                    if let index {
                        swap(&distinct, &entities.values[index].distinct)
                        swap(&parts, &entities.values[index].parts)
                    }
                    rules.appendLogFeatures(
                        view: view, of: item.pointee.event, to: &features, scratch: &scratch, windows: &windows,
                        distinctCaches: &distinct
                    ) { visit in
                        for part in parts.indices { visit(&parts[part].tiles) }
                    }
                    if let index {
                        swap(&distinct, &entities.values[index].distinct)
                        swap(&parts, &entities.values[index].parts)
                    }
                    output.store(features, row: item.pointee.row, parity: parity)
                }
                guard item.pointee.lateMask & bit == 0 else { continue }
                if index == nil {
                    entities[entity] = Entity()
                    index = entities.index(forKey: entity)
                }
                Self.apply(item.pointee, to: &entities.values[index!], rules: rules, view: view, groupCount: groupCount)
            }
        }
        self.entities = entities
        self.features = features
        self.scratch = scratch
        self.windows = windows
        time.record(since: started)
    }

    /// The shard's state, which it no longer holds.
    func takeEntities() -> [String: Entity] {
        var taken: [String: Entity] = [:]
        swap(&taken, &entities)
        return taken
    }

    private static func apply(
        _ item: ReplayEvent, to entity: inout Entity, rules: EventRules, view: Int, groupCount: Int
    ) {
        let position = entity.parts.firstIndex { $0.slot >= item.slot } ?? entity.parts.count
        if position == entity.parts.count || entity.parts[position].slot != item.slot {
            entity.parts.insert(
                PartitionTiles(slot: item.slot, tiles: EntityTiles(groupCount: groupCount, tracksChanges: false)),
                at: position)
        }
        rules.apply(
            item.event, to: &entity.parts[position].tiles, view: view, partition: item.partition, offset: item.offset,
            newestEventTime: item.newestEventTime, distinctCaches: &entity.distinct)
    }
}

import Foundation
import Logging
import SluiceCore
import SluiceCoreTesting
import SluiceOffline
import SluiceOnlineStore
import SluiceRedis
import SluiceRuntime
import Testing

@testable import SluiceStreaming

/// The engine's batch logic without a broker or Redis: batches are applied by the real appliers,
/// their commands are carried out on an in-memory copy of the hashes, and what they hold is
/// compared with applying the same events directly.
@Suite("Batch appliers")
struct BatchApplierTests {
    static let compiled = CompiledTopology(
        Topology(name: "unit", source: Fixtures.source, views: [Fixtures.cardView]))
    static let rules = EventRules(topology: compiled.topology, layouts: compiled.layouts)
    static let keys = OnlineStoreLayout(compiled: compiled)
    let tasks = ParallelTasks(threads: 2, name: "test.apply")

    /// `count` events over `cards` cards on `partitions` partitions, in offset order per
    /// partition, times increasing; a random card and amount per event from `seed`.
    static func batch(count: Int, cards: Int, partitions: Int32, seed: UInt64) -> AdmittedBatch {
        var random = SeededRandom(seed: seed)
        var batch = AdmittedBatch()
        var clocks = Array(repeating: PartitionClock(), count: Int(partitions))
        var offsets = Array(repeating: Int64(0), count: Int(partitions))
        for index in 0..<count {
            let partition = Int32(random.below(Int(partitions)))
            let time = 1_700_000_000_000 + Int64(index) * 7_000
            let event = Fixtures.event(
                card: "card-\(random.below(cards))", merchant: "m\(random.below(5))",
                amount: Double(random.below(10_000)) / 100, at: time)
            clocks[Int(partition)].advance(to: time)
            batch.accepted.append(
                AcceptedEvent(
                    partition: partition, offset: offsets[Int(partition)], event: event, late: 0,
                    newestAfter: clocks[Int(partition)].newestEventTime))
            offsets[Int(partition)] += 1
            batch.touchedPartitions.insert(partition)
            batch.consumed += 1
        }
        return batch
    }

    /// Partitions positioned with nothing stored.
    static func freshPartitions(_ count: Int32) -> [Int32: PartitionState] {
        var partitions: [Int32: PartitionState] = [:]
        for partition in 0..<count {
            let state = PartitionState(partition: partition, views: compiled.layouts.count)
            state.perform(state.machine.position(at: try! StoredProgress(nil)))
            partitions[partition] = state
        }
        return partitions
    }

    /// Runs one batch through `applier` and carries its commands out on `store`.
    static func run(
        _ applier: any BatchApplier, _ batch: AdmittedBatch, partitions: [Int32: PartitionState], tasks: ParallelTasks,
        store: inout InMemoryHashes
    ) throws -> [(view: Int, output: ApplyOutput)] {
        var batch = batch
        var missing: [EntityRef: Set<Int32>] = [:]
        applier.cacheEntities(of: &batch, partitions: partitions, missing: &missing)
        #expect(missing.isEmpty, "fresh partitions have nothing to read")
        let outputs = applier.apply(batch, partitions: partitions, tasks: tasks, keys: keys, now: .now)
        for (_, output) in outputs { try store.execute(output.pipeline.encoded) }
        return outputs
    }

    /// The features of `entity` at `time` from the hash `store` holds for it.
    static func storedFeatures(_ store: InMemoryHashes, entity: String, at time: Int64) throws -> [Double?] {
        let layout = compiled.layouts[0]
        let fields = store.hashes[keys.entityKey(view: layout, entity: entity)] ?? [:]
        let reply = RedisValue.array(
            fields.flatMap { [RedisValue.bulkString(Array($0.key.utf8)), .bulkString($0.value)] })
        return FeatureCalculator.compute(
            layout, tiles: try OnlineStoreReader.tiles(from: reply, layout: layout, partition: nil), at: time)
    }

    /// The features of every entity after applying the batch's events directly, one partition's
    /// tiles at a time.
    static func directFeatures(_ batch: AdmittedBatch, at time: Int64) -> [String: [Double?]] {
        var tiles: [String: [Int32: EntityTiles]] = [:]
        let layout = compiled.layouts[0]
        for item in batch.accepted {
            let entity = rules.entity(of: item.event, view: 0)
            var entityTiles = tiles[entity]?[item.partition] ?? EntityTiles(groupCount: layout.groups.count)
            rules.apply(
                item.event, to: &entityTiles, view: 0, partition: item.partition, offset: item.offset,
                newestEventTime: item.newestAfter)
            tiles[entity, default: [:]][item.partition] = entityTiles
        }
        return tiles.mapValues { byPartition in
            FeatureCalculator.compute(
                layout, tiles: byPartition.flatMap { $0.value.storedTiles(partition: $0.key) }, at: time)
        }
    }

    @Test(
        "without the feature log, the writes hold the tiles of applying the events directly",
        arguments: [1, 2, 3] as [UInt64])
    func partitionApplierWrites(seed: UInt64) throws {
        defer { tasks.stop() }
        let batch = Self.batch(count: 2_000, cards: 40, partitions: 3, seed: seed)
        var store = InMemoryHashes()
        _ = try Self.run(
            PartitionBatchApplier(rules: Self.rules), batch, partitions: Self.freshPartitions(3), tasks: tasks,
            store: &store)
        let readTime = batch.accepted.last!.event.eventTime + 1
        for (entity, expected) in Self.directFeatures(batch, at: readTime) {
            let stored = try Self.storedFeatures(store, entity: entity, at: readTime)
            #expect(zip(stored, expected).allSatisfy { FeatureLogRow.sameFeature($0, $1) }, "seed \(seed), \(entity)")
        }
    }

    @Test("with and without the feature log, a batch leaves the same hashes")
    func appliersAgree() throws {
        defer { tasks.stop() }
        let batch = Self.batch(count: 1_500, cards: 30, partitions: 2, seed: 11)
        var plain = InMemoryHashes()
        _ = try Self.run(
            PartitionBatchApplier(rules: Self.rules), batch, partitions: Self.freshPartitions(2), tasks: tasks,
            store: &plain)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("applier-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try FeatureLogWriter(
            options: FeatureLogOptions(directory: directory), topology: Self.compiled.topology,
            fingerprint: Self.compiled.fingerprint, logger: .init(label: "test"))
        let logging = FeatureLogBatchApplier(rules: Self.rules, log: log)
        for partition: Int32 in 0..<2 { try logging.open(partition: partition, resumeAt: 0) }
        var logged = InMemoryHashes()
        _ = try Self.run(logging, batch, partitions: Self.freshPartitions(2), tasks: tasks, store: &logged)
        #expect(plain.hashes == logged.hashes)
    }

    @Test("feature log rows hold every event's features from the state just before it")
    func featureLogRows() throws {
        defer { tasks.stop() }
        let batch = Self.batch(count: 600, cards: 10, partitions: 2, seed: 5)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rows-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = FeatureLogOptions(directory: directory)
        options.staging = false
        let log = try FeatureLogWriter(
            options: options, topology: Self.compiled.topology, fingerprint: Self.compiled.fingerprint,
            logger: .init(label: "test"))
        let applier = FeatureLogBatchApplier(rules: Self.rules, log: log)
        for partition: Int32 in 0..<2 { try applier.open(partition: partition, resumeAt: 0) }
        var store = InMemoryHashes()
        _ = try Self.run(applier, batch, partitions: Self.freshPartitions(2), tasks: tasks, store: &store)
        try applier.persistPending()
        try applier.commitWritten()
        try applier.rollDue(force: true)
        let table = try FeatureLogTable.read(directory: directory, topology: Self.compiled.topology.name)
        #expect(table.count == batch.accepted.count)
        var rowOf: [Int64: Int] = [:]
        for row in 0..<table.count { rowOf[Int64(table.partitions[row]) << 32 | table.offsets[row]] = row }
        // Brute force: every partition's tiles of the entity, before the event.
        var tiles: [String: [Int32: EntityTiles]] = [:]
        let layout = Self.compiled.layouts[0]
        for item in batch.accepted {
            let entity = Self.rules.entity(of: item.event, view: 0)
            let before = FeatureCalculator.compute(
                layout, tiles: (tiles[entity] ?? [:]).flatMap { $0.value.storedTiles(partition: $0.key) },
                at: item.event.eventTime)
            let row = try #require(rowOf[Int64(item.partition) << 32 | item.offset])
            let logged = table.features.map { $0[row] }
            #expect(zip(logged, before).allSatisfy { FeatureLogRow.sameFeature($0, $1) }, "row \(row)")
            var entityTiles = tiles[entity]?[item.partition] ?? EntityTiles(groupCount: layout.groups.count)
            Self.rules.apply(
                item.event, to: &entityTiles, view: 0, partition: item.partition, offset: item.offset,
                newestEventTime: item.newestAfter)
            tiles[entity, default: [:]][item.partition] = entityTiles
        }
    }

    @Test("events the stored tiles already hold are skipped, counted, and their key's TTL set")
    func alreadyAppliedEventsAreSkipped() throws {
        defer { tasks.stop() }
        let batch = Self.batch(count: 50, cards: 1, partitions: 1, seed: 3)
        let partitions = Self.freshPartitions(1)
        let state = partitions[0]!
        // A crash left the entity's tiles written up to offset 29, ahead of the stored progress.
        let entity = Self.rules.entity(of: batch.accepted[0].event, view: 0)
        var crashed = EntityTiles(groupCount: Self.compiled.layouts[0].groups.count)
        for item in batch.accepted.prefix(30) {
            Self.rules.apply(
                item.event, to: &crashed, view: 0, partition: 0, offset: item.offset, newestEventTime: item.newestAfter)
        }
        let stored = EntityTiles(
            groupCount: Self.compiled.layouts[0].groups.count, tiles: crashed.storedTiles(partition: 0),
            appliedOffset: 29)
        _ = state.views[0].insert(stored, for: entity)
        var store = InMemoryHashes()
        let outputs = try Self.run(
            PartitionBatchApplier(rules: Self.rules), batch, partitions: partitions, tasks: tasks, store: &store)
        #expect(outputs.map(\.output.alreadyApplied).reduce(0, +) == 30)
        #expect(store.commands.contains("PEXPIRE"))
        let readTime = batch.accepted.last!.event.eventTime + 1
        let expected = Self.directFeatures(batch, at: readTime)[entity]!
        // The cache held the first 30 events' tiles already; the batch applied the rest on top.
        let cached = state.views[0].entries[0].tiles
        let features = FeatureCalculator.compute(
            Self.compiled.layouts[0], tiles: cached.storedTiles(partition: 0), at: readTime)
        #expect(zip(features, expected).allSatisfy { FeatureLogRow.sameFeature($0, $1) })
    }
}

/// Redis hashes in memory, changed by the RESP commands of a pipeline (HSET, HDEL, PEXPIRE).
struct InMemoryHashes {
    var hashes: [String: [String: [UInt8]]] = [:]
    /// The names of the commands carried out, in order.
    var commands: [String] = []

    struct UnexpectedCommand: Error, CustomStringConvertible {
        let description: String
    }

    mutating func execute(_ bytes: [UInt8]) throws {
        var reader = RESPCommandReader(bytes: bytes)
        while let command = try reader.next() {
            let name = String(decoding: command[0], as: UTF8.self)
            commands.append(name)
            let key = String(decoding: command[1], as: UTF8.self)
            switch name {
            case "HSET":
                for index in stride(from: 2, to: command.count, by: 2) {
                    hashes[key, default: [:]][String(decoding: command[index], as: UTF8.self)] = command[index + 1]
                }
            case "HDEL":
                for field in command.dropFirst(2) { hashes[key]?[String(decoding: field, as: UTF8.self)] = nil }
            case "PEXPIRE":
                break
            default:
                throw UnexpectedCommand(description: "unexpected command \(name)")
            }
        }
    }
}

/// Reads the commands of a RESP request stream (arrays of bulk strings).
struct RESPCommandReader {
    let bytes: [UInt8]
    var position = 0

    struct Malformed: Error {}

    mutating func next() throws -> [[UInt8]]? {
        guard position < bytes.count else { return nil }
        guard bytes[position] == UInt8(ascii: "*") else { throw Malformed() }
        position += 1
        let count = try number()
        var arguments: [[UInt8]] = []
        for _ in 0..<count {
            guard bytes[position] == UInt8(ascii: "$") else { throw Malformed() }
            position += 1
            let length = try number()
            arguments.append(Array(bytes[position..<position + length]))
            position += length + 2
        }
        return arguments
    }

    private mutating func number() throws -> Int {
        var value = 0
        while bytes[position] != UInt8(ascii: "\r") {
            guard let digit = Int(exactly: bytes[position]).map({ $0 - 48 }), (0...9).contains(digit) else {
                throw Malformed()
            }
            value = value * 10 + digit
            position += 1
        }
        position += 2
        return value
    }
}

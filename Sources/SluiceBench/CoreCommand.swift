import ArgumentParser
import Foundation
import SluiceCore
import SluiceDemo
import SluiceOnlineStore
import SluiceTopology

/// The pure core without I/O: demo events decoded (timed per round), then per round (a) the engine's update
/// (apply every event to its partition's tiles) and (b) replay's work (each view's features of
/// every event from the state before it, across partitions, then the update), on one thread.
/// No broker or Redis, so the figures move only with the core's code (and the machine's noise:
/// the minimum over rounds is the figure to compare).
struct CoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core", abstract: "Time the core's per-event work on in-memory demo events.")

    @Option var topology = "topologies/fraud.yaml"
    @Option var events = 200_000
    @Option var rounds = 5
    @Option(help: "Source partitions the events are spread over by card, as the topic is keyed.")
    var partitions = 4
    @Option(
        help:
            "Cards and merchants of the demo traffic (default: the generator's). Few of them keep the state in the CPU's caches."
    )
    var cards: Int?
    @Option var merchants: Int?

    func run() throws {
        let compiled = CompiledTopology(try TopologyLoader.load(file: topology))
        let rules = EventRules(topology: compiled.topology, layouts: compiled.layouts)
        // produce-demo's default span
        var options = DemoGenerator.Options(events: events, startTime: 1_790_000_000_000, span: 2 * 3_600_000)
        options.cards = cards
        options.merchants = merchants
        var generator = DemoGenerator(options)
        var records: [(key: String, value: [UInt8])] = []
        while let record = generator.next() { records.append((record.key, record.value)) }
        // Decoding alone, per round: the JSON scan and the schema's checks.
        var decodeTimes: [Double] = []
        var decoded: [DecodedEvent?] = []
        let decoder = compiled.decoder
        for _ in 0..<rounds {
            decoded.removeAll(keepingCapacity: true)
            decodeTimes.append(
                Self.seconds {
                    for record in records {
                        guard
                            case .success(let event) = record.value.withUnsafeBytes({
                                decoder.decode($0, messageTimestamp: nil)
                            })
                        else {
                            decoded.append(nil)
                            continue
                        }
                        decoded.append(event)
                    }
                })
        }
        var input: [(event: DecodedEvent, partition: Int32, offset: Int64, newest: Int64, late: UInt64)] = []
        var clocks = Array(repeating: PartitionClock(), count: partitions)
        var offsets = Array(repeating: Int64(0), count: partitions)
        for (record, event) in zip(records, decoded) {
            guard let event else { continue }
            let partition = Int(StableHash.hash(record.key) % UInt64(partitions))
            let late = rules.lateMask(eventTime: event.eventTime, clock: clocks[partition])
            clocks[partition].advance(to: event.eventTime)
            input.append((event, Int32(partition), offsets[partition], clocks[partition].newestEventTime, late))
            offsets[partition] += 1
        }
        var applyTimes: [Double] = []
        var logTimes: [Double] = []
        var checksum = 0.0
        var encodedBytes = 0
        for _ in 0..<rounds {
            applyTimes.append(
                Self.seconds {
                    // As the engine does: changes listed per batch (its default as a pipeline), entity by entity.
                    var state = rules.layouts.map { _ in (0..<partitions).map { _ in [String: EntityTiles]() } }
                    var dirty: [(view: Int, partition: Int, entity: String)] = []
                    var deletes: [EntityTiles.TileKey] = []
                    var encoded: [UInt8] = []
                    for (number, item) in input.enumerated() {
                        for view in rules.layouts.indices where item.late & (1 << UInt64(view)) == 0 {
                            let entity = rules.entity(of: item.event, view: view)
                            let becameDirty = rules.apply(
                                item.event,
                                to: &state[view][Int(item.partition)][
                                    entity, default: EntityTiles(groupCount: rules.layouts[view].groups.count)],
                                view: view, partition: item.partition, offset: item.offset, newestEventTime: item.newest
                            )
                            if becameDirty { dirty.append((view, Int(item.partition), entity)) }
                        }
                        if (number + 1) % 100_000 == 0 || number == input.count - 1 {
                            // Changed tiles and runs encoded as the engine's writes encode them.
                            for (view, partition, entity) in dirty {
                                state[view][partition][entity]!.drainChanges(
                                    deletes: &deletes,
                                    write: { _, tile in TileCodec.encode(lent: &tile, into: &encoded) },
                                    writeRun: { _, run in TileCodec.encodeRun(run, into: &encoded) })
                                encodedBytes += encoded.count
                                encoded.removeAll(keepingCapacity: true)
                            }
                            dirty.removeAll(keepingCapacity: true)
                            deletes.removeAll(keepingCapacity: true)
                        }
                    }
                })
            logTimes.append(
                Self.seconds {
                    // Per view: entity → (per partition its tiles, the entity's distinct sets).
                    var state = rules.layouts.map { _ in
                        [String: (parts: [EntityTiles], distinct: EntityDistinctCaches?)]()
                    }
                    // Scratch per view, as replay keeps it (its shape follows the view's windows).
                    var features: [Double?] = []
                    var scratch: [Double?] = []
                    var windows = rules.layouts.map { _ in WindowScratch() }
                    for item in input {
                        for view in rules.layouts.indices {
                            let entity = rules.entity(of: item.event, view: view)
                            let groups = rules.layouts[view].groups.count
                            var entry =
                                state[view].removeValue(forKey: entity)
                                ?? (
                                    (0..<partitions).map { _ in EntityTiles(groupCount: groups, tracksChanges: false) },
                                    EntityDistinctCaches() as EntityDistinctCaches?
                                )
                            features.removeAll(keepingCapacity: true)
                            rules.appendLogFeatures(
                                view: view, of: item.event, to: &features, scratch: &scratch, windows: &windows[view],
                                distinctCaches: &entry.distinct
                            ) { visit in
                                for part in entry.parts.indices { visit(&entry.parts[part]) }
                            }
                            checksum += features.reduce(0) { $0 + ($1 ?? 0) }
                            if item.late & (1 << UInt64(view)) == 0 {
                                rules.apply(
                                    item.event, to: &entry.parts[Int(item.partition)], view: view,
                                    partition: item.partition, offset: item.offset, newestEventTime: item.newest,
                                    distinctCaches: &entry.distinct)
                            }
                            state[view][entity] = entry
                        }
                    }
                })
        }
        let rate = { (times: [Double]) in Int(Double(input.count) / times.min()!) }
        print("core: \(input.count) events, \(partitions) partitions, best of \(rounds) rounds (one thread)")
        print(
            "  decode only (JSON and schema checks):  \(Int(Double(records.count) / decodeTimes.min()!)) events/s  (rounds: \(decodeTimes.map { String(format: "%.3f", $0) }.joined(separator: " ")) s)"
        )
        print(
            "  apply and encode (engine update):     \(rate(applyTimes)) events/s  (rounds: \(applyTimes.map { String(format: "%.3f", $0) }.joined(separator: " ")) s; \(encodedBytes / rounds) bytes encoded)"
        )
        print(
            "  features then apply (replay's work):  \(rate(logTimes)) events/s  (rounds: \(logTimes.map { String(format: "%.3f", $0) }.joined(separator: " ")) s; checksum \(checksum))"
        )
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let started = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

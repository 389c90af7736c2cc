import Foundation
import SluiceCore
import SluiceDemo
import SluiceKafka
import SluiceKafkaTesting
import SluiceOnlineStore
import SluiceRedis
import SluiceRedisTesting
import SluiceRuntime
import SluiceStreaming
import SluiceStreamingTesting
import SluiceTesting
import SluiceTopology
import Testing

/// The engine end to end, through the real broker and Redis.
@Suite("Streaming engine", .timeLimit(.minutes(5)))
struct StreamEngineTests {
    /// One engine run over 20,000 demo events with 2% malformed ones, shared by the tests that
    /// check its results. Small batches and a tiny entity cache: many overlapped writes, and
    /// entities evicted and reloaded from Redis mid-run, must still give exact results.
    struct ReferenceRun: Sendable {
        let topic: String
        let compiled: CompiledTopology
        let summary: DemoProducer.Summary
        let messages: [KafkaConsumerMessage]
        let reference: ReferenceEngine

        static func make() async throws -> ReferenceRun {
            let topic = TestServices.uniqueName("e2e")
            let name = "e2e_" + String(topic.suffix(8))
            let (_, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
            let summary = try await EngineTestSupport.produceDemo(topic: topic, events: 20_000, malformed: 0.02)
            try await EngineTestSupport.runUntilEnd(compiled, maxCachedEntities: 500, batchSize: 700)
            let messages = try await KafkaTestSupport.readAll(topic: topic, partitions: 4)
            let reference = ReferenceEngine(layouts: compiled.layouts, decoder: compiled.decoder, messages: messages)
            return ReferenceRun(
                topic: topic, compiled: compiled, summary: summary, messages: messages, reference: reference)
        }
    }

    /// The run, made by the first test that asks for it.
    actor SharedReferenceRun {
        static let shared = SharedReferenceRun()
        private var run: Task<ReferenceRun, any Error>?

        func get() async throws -> ReferenceRun {
            if let run { return try await run.value }
            let started = Task { try await ReferenceRun.make() }
            run = started
            return try await started.value
        }
    }

    @Test("every message is consumed: accepted or rejected")
    func everyMessageConsumed() async throws {
        let run = try await SharedReferenceRun.shared.get()
        #expect(run.messages.count == run.summary.transactions)
        #expect(run.reference.rejected.count >= run.summary.malformed)
    }

    @Test("online features equal a direct computation over the accepted events")
    func matchesReference() async throws {
        let run = try await SharedReferenceRun.shared.get()
        let (compiled, reference) = (run.compiled, run.reference)
        let redis = try RedisConnection(configuration: TestServices.redisConfiguration())
        let store = OnlineStoreReader(compiled: compiled)
        for readTime in [reference.newestEventTime + 1, reference.newestEventTime + 30 * 60_000] {
            for (viewIndex, layout) in compiled.layouts.enumerated() {
                let entities = reference.applied[viewIndex].sorted { $0.value.count > $1.value.count }.prefix(150).map(
                    \.key)
                #expect(!entities.isEmpty)
                let vectors = try store.read(entities.map { (layout.view.name, $0) }, at: readTime, connection: redis)
                for (entity, vector) in zip(entities, vectors) {
                    let expected = reference.features(view: viewIndex, entity: entity, at: readTime)
                    // Stored features (on-demand ones follow, null without request inputs).
                    for (index, name) in vector.names.prefix(expected.count).enumerated() {
                        #expect(
                            TestNumbers.close(vector.values[index], expected[index]),
                            "\(layout.view.name) \(entity) \(name) at \(readTime): \(String(describing: vector.values[index])) vs \(String(describing: expected[index]))"
                        )
                    }
                }
            }
        }
    }

    @Test("every rejected message is on the dead-letter topic once, with its reason, origin and bytes")
    func deadLettered() async throws {
        let run = try await SharedReferenceRun.shared.get()
        let reference = run.reference
        let deadLetters = try await KafkaTestSupport.readAll(topic: "\(run.topic).dlq", partitions: 4)
        let dlqOrigins = deadLetters.map { message in
            "\(message.headers.string("sluice.source.partition") ?? "?")/\(message.headers.string("sluice.source.offset") ?? "?")/\(message.headers.string("sluice.reason") ?? "?")"
        }
        let expectedOrigins = reference.rejected.map {
            "\($0.message.partition)/\($0.message.offset)/\($0.reason.rawValue)"
        }
        #expect(dlqOrigins.sorted() == expectedOrigins.sorted())
        #expect(
            Set(reference.rejected.map(\.reason)).isSuperset(of: [
                .malformedJSON, .wrongType, .outOfRange, .invalidEntityID, .oversized,
            ]))
        let sample = try #require(deadLetters.first)
        let original = try #require(
            run.messages.first {
                "\($0.partition)" == sample.headers.string("sluice.source.partition")
                    && "\($0.offset)" == sample.headers.string("sluice.source.offset")
            })
        #expect(sample.value == original.value)
    }

    @Test("an unknown entity reads as zeros and nulls")
    func unknownEntity() async throws {
        let run = try await SharedReferenceRun.shared.get()
        let redis = try RedisConnection(configuration: TestServices.redisConfiguration())
        let unknown = try OnlineStoreReader(compiled: run.compiled).read(
            view: "card", entity: "no-such-card", at: run.reference.newestEventTime, connection: redis)
        #expect(unknown["txn_count_1h"] == .some(0))
        #expect(unknown["amount_avg_24h"] == .some(nil))
    }

    @Test("a changed topology starts over on fresh keys: views it kept are not counted twice")
    func changedTopologyStartsOver() async throws {
        let topic = TestServices.uniqueName("change")
        let name = "change_" + String(topic.suffix(8))
        let (path, before) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: 3_000, malformed: 0)
        try await EngineTestSupport.runUntilEnd(before)
        let messages = try await KafkaTestSupport.readAll(topic: topic, partitions: 4)
        let reference = ReferenceEngine(layouts: before.layouts, decoder: before.decoder, messages: messages)

        // The same topology with one more view: the card view's layout is unchanged, the
        // topology's fingerprint is not, so the engine replays the topic from the start.
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text += """

              country:
                key: country
                description: Traffic from one country.
                allowed_lateness: 2m
                features:
                  txn_count_1h: { agg: count, window: 1h, tile: 1m }

            """
        let changedPath = path.replacingOccurrences(of: ".yaml", with: "-changed.yaml")
        try text.write(toFile: changedPath, atomically: true, encoding: .utf8)
        let after = CompiledTopology(try TopologyLoader.load(file: changedPath))
        #expect(after.fingerprint != before.fingerprint)
        #expect(after.layout(named: "card")?.fingerprint == before.layout(named: "card")?.fingerprint)
        try await EngineTestSupport.runUntilEnd(after)

        let redis = try RedisConnection(configuration: TestServices.redisConfiguration())
        let store = OnlineStoreReader(compiled: after)
        let cardView = before.layouts.firstIndex { $0.view.name == "card" }!
        let cards = reference.applied[cardView].sorted { $0.value.count > $1.value.count }.prefix(50).map(\.key)
        let readTime = reference.newestEventTime + 1
        let vectors = try store.read(cards.map { ("card", $0) }, at: readTime, connection: redis)
        for (card, vector) in zip(cards, vectors) {
            let expected = reference.features(view: cardView, entity: card, at: readTime)
            for (index, name) in vector.names.prefix(expected.count).enumerated() {
                #expect(
                    TestNumbers.close(vector.values[index], expected[index]),
                    "card \(card) \(name): \(String(describing: vector.values[index])) vs \(String(describing: expected[index]))"
                )
            }
        }
        try EngineTestSupport.clearState(topologyName: name)
    }
}

extension Array where Element == KafkaHeader {
    func string(_ key: String) -> String? { first(key).map { String(decoding: $0, as: UTF8.self) } }
}

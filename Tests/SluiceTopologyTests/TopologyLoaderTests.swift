import Foundation
import SluiceCore
import SluiceTesting
import SluiceTopology
import Testing

@Suite("Topology files")
struct TopologyLoaderTests {
    @Test("topologies/fraud.yaml has exactly the required views and features")
    func fraudTopology() throws {
        let topology = try TopologyLoader.load(file: TestRepository.path("topologies/fraud.yaml"))
        #expect(topology.name == "fraud")
        #expect(topology.owner == "risk-engineering" && topology.tags == ["domain": "payments", "tier": "critical"])
        #expect(topology.views.allSatisfy { $0.owner == "risk-engineering" }, "views default to the topology's owner")
        #expect(topology.source.topic == "transactions")
        #expect(topology.source.deadLetterTopic == "transactions.dlq")
        #expect(topology.views.map(\.name) == ["card", "merchant", "device"])
        let card = try #require(topology.view(named: "card"))
        #expect(card.keyField == "card_id")
        #expect(
            card.features.map(\.name) == [
                "txn_count_1m", "txn_count_1h", "txn_count_24h", "amount_sum_1h", "amount_sum_24h", "amount_avg_1h",
                "amount_avg_24h", "amount_max_1h", "amount_max_24h", "amount_min_24h", "amount_std_24h",
                "distinct_merchants_24h", "distinct_countries_24h", "secs_since_last_txn", "last_amount",
            ])
        #expect(
            topology.view(named: "merchant")?.features.map(\.name) == [
                "txn_count_1h", "amount_sum_1h", "distinct_cards_1h",
            ])
        #expect(topology.view(named: "device")?.features.map(\.name) == ["txn_count_1h", "distinct_cards_24h"])
        for view in topology.views {
            #expect(view.allowedLateness == 120_000)
            for feature in view.features {
                let expectedTile: Int64 =
                    switch feature.window {
                    case 60_000: 1000
                    case 3_600_000: 60_000
                    default: 3_600_000
                    }
                #expect(feature.tile == expectedTile, "\(view.name).\(feature.name)")
            }
        }
        #expect(card.ttl == 24 * 3_600_000 + 3_600_000 + 120_000)
        #expect(card.features.first { $0.name == "amount_std_24h" }?.aggregation == .stddev)
    }

    struct Mistake: Sendable, CustomTestStringConvertible {
        let yaml: String
        let line: Int
        let message: String
        var testDescription: String { message }
    }

    static let base = """
        name: t
        source:
          topic: tx
          event_time: ts
          event_id: id
          fields:
            id: { type: string, required: true }
            card: { type: string, required: true }
            amount: { type: double, required: true }
            country: { type: string }
            ts: { type: timestamp_ms, required: true }
        views:
          card:
            key: card
            allowed_lateness: 2m
            features:

        """

    static let mistakes: [Mistake] = [
        Mistake(
            yaml: base + "      n: { agg: average, window: 1h, tile: 1m }\n", line: 17,
            message: "unknown agg 'average'; allowed: count, sum, mean"),
        Mistake(
            yaml: base + "      n: { agg: count, window: 1h, tile: 7m }\n", line: 17,
            message: "window 1h is not a multiple of tile 7m"),
        Mistake(
            yaml: base + "      n: { agg: count, window: 1x, tile: 1m }\n", line: 17,
            message: "window '1x' is not a positive duration"),
        Mistake(
            yaml: base + "      n: { agg: sum, field: country, window: 1h, tile: 1m }\n", line: 17,
            message: "needs a numeric (int or double) field; 'country' is string"),
        Mistake(
            yaml: base + "      n: { agg: sum, field: amout, window: 1h, tile: 1m }\n", line: 17,
            message: "field 'amout' is not one of the source fields"),
        Mistake(
            yaml: base + "      n: { agg: sum, window: 1h, tile: 1m }\n", line: 17, message: "agg sum needs a 'field'"),
        Mistake(
            yaml: base + "      n: { agg: count, window: 1h, tile: 1m, colour: red }\n", line: 17,
            message: "unknown key 'colour'"),
        Mistake(
            yaml: base + "      Bad-Name: { agg: count, window: 1h, tile: 1m }\n", line: 17,
            message: "feature name 'Bad-Name' must use only a-z"),
        Mistake(yaml: base + "      n: { agg: count, window: 30d, tile: 1s }\n", line: 17, message: "at most 10000"),
        Mistake(
            yaml: base.replacingOccurrences(of: "key: card", with: "key: country")
                + "      n: { agg: count, window: 1h, tile: 1m }\n", line: 14,
            message: "key 'country' must be a required string field"),
        Mistake(
            yaml: base.replacingOccurrences(of: "event_time: ts", with: "event_time: time")
                + "      n: { agg: count, window: 1h, tile: 1m }\n", line: 4,
            message: "event_time 'time' is not one of the source fields"),
        Mistake(
            yaml: base.replacingOccurrences(of: "type: double", with: "type: decimal")
                + "      n: { agg: count, window: 1h, tile: 1m }\n", line: 9, message: "unknown type 'decimal'"),
        Mistake(yaml: base + "      n: { agg: count, window: 1h, tile: 1m\n", line: 18, message: "invalid YAML"),
        Mistake(
            yaml: base
                + [1, 2, 3, 4, 5, 6, 10, 12, 15].map { "      n\($0): { agg: count, window: 1m, tile: \($0)s }\n" }
                .joined(), line: 17,
            message: "its features use 9 different tile sizes; at most 8 are allowed"),
        Mistake(
            yaml: base.replacingOccurrences(
                of: "allowed_lateness: 2m", with: "allowed_lateness: 2m\n    tags: { pii: [a, b] }")
                + "      n: { agg: count, window: 1h, tile: 1m }\n", line: 16,
            message: "tag 'pii' of view 'card'.tags must be a plain text value"),
        Mistake(
            yaml: base.replacingOccurrences(of: "allowed_lateness: 2m", with: "allowed_lateness: 2m\n    ttl: 10m")
                + "      n: { agg: count, window: 1h, tile: 1m }\n", line: 16, message: "ttl 10m is shorter than"),
    ]

    @Test("mistakes are reported with file:line, what is wrong and what is allowed", arguments: mistakes)
    func reportsMistakes(_ mistake: Mistake) {
        do {
            _ = try TopologyLoader.parse(mistake.yaml, file: "t.yaml")
            Issue.record("accepted")
        } catch {
            let issue = error.issues.first { $0.message.contains(mistake.message) }
            #expect(issue != nil, "\(error)")
            #expect(issue?.line == mistake.line, "\(error)")
            #expect(issue?.file == "t.yaml")
        }
    }

    @Test("several mistakes are all reported")
    func reportsAll() {
        let yaml =
            Self.base
            + "      a: { agg: average, window: 1h, tile: 1m }\n      b: { agg: count, window: 1h, tile: 7m }\n"
        #expect(throws: TopologyError.self) { try TopologyLoader.parse(yaml) }
        do { _ = try TopologyLoader.parse(yaml) } catch { #expect(error.issues.count == 2) }
    }
}

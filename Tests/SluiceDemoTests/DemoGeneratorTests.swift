import Foundation
import Testing

@testable import SluiceDemo

@Suite("Demo generator")
struct DemoGeneratorTests {
    static func records(everyCard: Bool, events: Int = 3_000, cards: Int = 500) -> [DemoGenerator.Record] {
        var options = DemoGenerator.Options(events: events, startTime: 1_790_000_000_000, span: 3_600_000)
        options.cards = cards
        options.everyCard = everyCard
        var generator = DemoGenerator(options)
        var records: [DemoGenerator.Record] = []
        while let record = generator.next() { records.append(record) }
        return records
    }

    @Test("--every-card starts with one event per card in id order and time order, then the skewed traffic")
    func everyCard() throws {
        let records = Self.records(everyCard: true)
        #expect(records.count == 3_000)
        let first = records.prefix(500)
        #expect(first.map(\.key) == (0..<500).map { "card-\($0)" })
        #expect(
            zip(first, first.dropFirst()).allSatisfy { $0.eventTime <= $1.eventTime },
            "covering events are not shifted out of order")
        #expect(Set(records.map(\.key)).count == 500)
        // The rest is skewed: a few cards take a large share.
        let counts = Dictionary(records.dropFirst(500).map { ($0.key, 1) }, uniquingKeysWith: +)
        #expect(counts.values.max()! > 5 * (2_500 / 500))
    }

    @Test("without it, some of the cards the skewed traffic draws from never appear")
    func skewedOnly() {
        let keys = Set(Self.records(everyCard: false).map(\.key))
        #expect(keys.count < 500)
    }
}

import Foundation
import Testing

@testable import SluiceDemo

@Suite("Demo generator")
struct DemoGeneratorTests {
    static func records(everyCard: Bool, events: Int = 3_000, cards: Int = 500) -> [DemoGenerator.Record] {
        var options = DemoGenerator.Options(events: events, startTime: 1_790_000_000_000, span: 3_600_000)
        options.cards = cards
        options.everyCard = everyCard
        return records(options)
    }

    /// Every record the generator makes with `options`.
    static func records(_ options: DemoGenerator.Options) -> [DemoGenerator.Record] {
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

    @Test("over a span of days, no record's time is ahead of the traffic unless it lies past the run's end")
    func malformedTimesStayBehindOrFuture() throws {
        let start: Int64 = 1_790_000_000_000
        let span: Int64 = 14 * 86_400_000
        var options = DemoGenerator.Options(events: 50_000, startTime: start, span: span)
        options.malformedFraction = 0.05
        var generator = DemoGenerator(options)
        var future = 0
        while let record = generator.next() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any],
                let time = (object["ts"] as? NSNumber)?.int64Value
            else { continue }
            if time > record.eventTime {
                // Meant to be rejected as from the future: past the producer's clock at any point of the run.
                #expect(time > start + span + 86_400_000, "ts \(time) ahead of its event time \(record.eventTime)")
                future += 1
            }
        }
        #expect(future > 0)
    }

    @Test("fraud is 0.1% to 1% of payments, every fraud is labelled 1 to 7 days later, 5% of the rest 0")
    func fraudRateAndLabels() {
        var options = DemoGenerator.Options(events: 200_000, startTime: 1_790_000_000_000, span: 14 * 86_400_000)
        options.seed = 4
        var generator = DemoGenerator(options)
        var fraud = 0
        var reviewed = 0
        var legitimate = 0
        while let record = generator.next() {
            guard let label = record.label else {
                legitimate += 1
                continue
            }
            let delay = label.time - record.eventTime
            if label.isFraud {
                fraud += 1
                #expect(DemoGenerator.fraudLabelDelay.contains(delay))
            } else {
                reviewed += 1
                legitimate += 1
                #expect(delay > 0 && delay <= 3 * 86_400_000 + 3_600_000)
            }
        }
        let rate = Double(fraud) / 200_000
        #expect(rate > 0.001 && rate < 0.01, "fraud rate \(rate)")
        let reviewedShare = Double(reviewed) / Double(legitimate)
        #expect(abs(reviewedShare - 0.05) < 0.005, "reviewed share \(reviewedShare)")
    }
}

@Suite("Demo drift scenarios")
struct DemoDriftScenarioTests {
    static func records(conceptDriftAt: Int64?) -> [DemoGenerator.Record] {
        var options = DemoGenerator.Options(events: 20_000, startTime: 1_790_000_000_000, span: 10 * 3_600_000)
        options.seed = 9
        options.conceptDriftAt = conceptDriftAt
        return DemoGeneratorTests.records(options)
    }

    @Test("a concept drift changes which payments are fraud, not the payments")
    func conceptDriftKeepsInputs() {
        let shiftAt: Int64 = 1_790_000_000_000 + 5 * 3_600_000
        let plain = Self.records(conceptDriftAt: nil)
        let shifted = Self.records(conceptDriftAt: shiftAt)
        #expect(plain.map(\.value) == shifted.map(\.value), "the events are byte for byte the same")
        func frauds(_ records: [DemoGenerator.Record], after: Bool) -> Int {
            records.count { ($0.eventTime >= shiftAt) == after && $0.label?.isFraud == true }
        }
        #expect(frauds(shifted, after: false) == frauds(plain, after: false))
        // 20% of the ordinary payments at 2% of the merchants: hundreds more frauds after the shift.
        #expect(frauds(shifted, after: true) > frauds(plain, after: true) + 20)
        let newFrauds = zip(plain, shifted).filter { $0.label?.isFraud != true && $1.label?.isFraud == true }
        #expect(newFrauds.allSatisfy { $0.1.eventTime >= shiftAt })
        #expect(
            newFrauds.allSatisfy { pair in
                let text = String(decoding: pair.1.value, as: UTF8.self)
                guard let range = text.range(of: "\"merchant_id\":\"") else { return false }
                let merchant = text[range.upperBound...].prefix { $0 != "\"" }
                return DemoGenerator.isNewFraudRingMerchant(String(merchant))
            })
    }
}

import Foundation
import SluiceCore
import SluiceRuntime

/// Synthetic card-payment traffic for demos, tests and benchmarks. Deterministic for a seed and
/// start time.
///
/// Realism: card and merchant popularity follow Zipf laws; each card has a home device and
/// country; amounts are log-normal per MCC; some events arrive out of order (mostly within the
/// allowed lateness, a few beyond it). Fraud is about 0.5% of payments, in three patterns the
/// fraud topology's features can catch: card-testing bursts (many small online payments at
/// different merchants within a minute), device farms (one device used by many cards within
/// minutes) and account take-overs (large payments from an unusual country on a new device).
///
/// Labels, as a fraud team receives them: every fraud payment is labelled 1 when its chargeback
/// arrives, 1 to 7 days after the event (`fraudLabelDelay`); 5% of legitimate payments are
/// labelled 0 by a manual review within 3 days; the rest are never labelled, which is why a
/// payment past the label delay without a label counts as legitimate.
public struct DemoGenerator {
    public struct Options: Sendable {
        public var events: Int
        public var seed: UInt64 = 1
        /// Fraction of records replaced by malformed ones (bad JSON, wrong types, bad ids...).
        public var malformedFraction: Double = 0
        /// Event time of the first event (epoch ms).
        public var startTime: Int64
        /// Event times advance evenly over this span (ms); 0 keeps them at `startTime` + jitter.
        public var span: Int64
        public var cards: Int?
        public var merchants: Int?
        /// The first events go to every card once, in id order (in time, not shifted out of order),
        /// so that each card has state; the skewed traffic follows. For benchmarks that read all.
        public var everyCard = false
        /// From this event time on, ordinary payments shift (docs/drift.md, "Demo scenario"):
        /// amounts 2.5 times as large, a quarter of them cross-border into a new market (BR, MX,
        /// IN, TR), and online channels displacing card-present ones. Fraud patterns stay as they are.
        public var dataDriftAt: Int64?
        /// From this event time on, the fraud pattern changes while the payments do not: 20% of
        /// the ordinary payments at 2% of merchants (number ≡ 7 mod 50) turn out to be fraud, chosen
        /// by a hash of the transaction id so that the events themselves are exactly those of a run
        /// without it.
        public var conceptDriftAt: Int64?

        public init(events: Int, startTime: Int64, span: Int64) {
            self.events = events
            self.startTime = startTime
            self.span = span
        }
    }

    /// One record for the transactions topic, and possibly its label.
    public struct Record: Sendable {
        public var key: String
        public var value: [UInt8]
        /// Event time written in the record (epoch ms); for malformed records the intended one.
        public var eventTime: Int64
        public var isMalformed: Bool
        public var label: Label?
    }

    public struct Label: Sendable {
        public var txnID: String
        public var isFraud: Bool
        /// When the label became known (epoch ms).
        public var time: Int64

        public var json: String { "{\"txn_id\":\"\(txnID)\",\"label\":\(isFraud ? 1 : 0),\"ts\":\(time)}" }
    }

    /// Time from a fraud payment to its chargeback label (ms): 1 to 7 days.
    public static let fraudLabelDelay: Range<Int64> = 86_400_000..<(7 * 86_400_000)
    /// Share of legitimate payments that a manual review labels 0.
    static let reviewedFraction = 0.05

    private let options: Options
    private var random: SeededRandom
    private let cardSampler: ZipfSampler
    private let merchantSampler: ZipfSampler
    private let cardCount: Int
    private let merchantCount: Int
    private var index = 0
    /// Events of fraud patterns scheduled for later, earliest first.
    private var pending = PendingEvents()
    private var farmCounter = 0
    /// Cards given their `everyCard` event so far.
    private var coveredCards = 0

    public init(_ options: Options) {
        self.options = options
        random = SeededRandom(seed: options.seed)
        cardCount = options.cards ?? max(200, options.events / 8)
        merchantCount = options.merchants ?? max(50, options.events / 200)
        // Most cards pay a few times a day; merchants are far more skewed (a few big chains).
        cardSampler = ZipfSampler(count: cardCount, exponent: 0.6)
        merchantSampler = ZipfSampler(count: merchantCount, exponent: 1.0)
    }

    public var isFinished: Bool { index >= options.events }

    public mutating func next() -> Record? {
        guard index < options.events else { return nil }
        defer { index += 1 }
        let baseTime =
            options.startTime + (options.events > 1 ? options.span * Int64(index) / Int64(options.events - 1) : 0)
        // Pattern events are scheduled at absolute times and interleave with ordinary traffic.
        var event: PendingEvent
        let covering = options.everyCard && coveredCards < cardCount
        if covering {
            event = ordinaryEvent(card: cardName(coveredCards), at: baseTime)
            event.time = baseTime
            coveredCards += 1
        } else if let first = pending.earliest, first.time <= baseTime {
            event = pending.removeEarliest()
        } else {
            event = schedule(at: baseTime)
        }
        // Out of order: most delays stay within the 2 minute lateness, a few go beyond it.
        let roll = covering ? 1 : random.unit()
        if roll < 0.03 {
            event.time -= Int64(random.below(90_000)) + 1
        } else if roll < 0.031 {
            event.time -= 180_000 + Int64(random.below(600_000))
        }
        let txnID = "tx-\(options.seed)-\(index)"
        if random.unit() < options.malformedFraction {
            return Record(
                key: event.card, value: malformed(event, txnID: txnID), eventTime: event.time, isMalformed: true,
                label: nil)
        }
        var label: Label?
        if event.isFraud || random.unit() < Self.reviewedFraction {
            let delay =
                event.isFraud
                ? Self.fraudLabelDelay.lowerBound
                    + Int64(random.below(Int(Self.fraudLabelDelay.upperBound - Self.fraudLabelDelay.lowerBound)))
                : 3_600_000 + Int64(random.below(3 * 86_400_000))
            label = Label(txnID: txnID, isFraud: event.isFraud, time: event.time + delay)
        }
        if let conceptDriftAt = options.conceptDriftAt, event.time >= conceptDriftAt, !event.isFraud,
            Self.isNewFraudRingMerchant(event.merchant)
        {
            let draw = StableHash.hash(txnID)
            if Double(draw >> 11) / Double(1 << 53) < Self.newFraudRingShare {
                let span = UInt64(Self.fraudLabelDelay.upperBound - Self.fraudLabelDelay.lowerBound)
                label = Label(
                    txnID: txnID, isFraud: true,
                    time: event.time + Self.fraudLabelDelay.lowerBound + Int64((draw & 0xFFFF_FFFF) % span))
            }
        }
        return Record(
            key: event.card, value: Array(json(event, txnID: txnID).utf8), eventTime: event.time, isMalformed: false,
            label: label)
    }

    // MARK: - Patterns

    private struct PendingEvent {
        var card: String
        var merchant: String
        var device: String
        var amountCents: Int64
        var currency: String
        var country: String
        var mcc: Int
        var channel: String
        /// Event time (epoch ms), before any out-of-order shift.
        var time: Int64
        var isFraud: Bool
    }

    /// A binary min-heap of scheduled events by time, then by when they were scheduled (the
    /// order of a sorted list that puts each event after those of the same time). A sorted
    /// array cost a search and a move of every later event per insert and per removal: with
    /// tens of thousands of device-farm events scheduled minutes ahead, the load generator
    /// of a freshness benchmark spent a fifth of its time moving them.
    private struct PendingEvents {
        private var heap: [(order: Int, event: PendingEvent)] = []
        private var inserted = 0

        var earliest: PendingEvent? { heap.first?.event }

        mutating func insert(_ event: PendingEvent) {
            heap.append((inserted, event))
            inserted += 1
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard precedes(child, parent) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }

        mutating func removeEarliest() -> PendingEvent {
            heap.swapAt(0, heap.count - 1)
            let earliest = heap.removeLast().event
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var first = parent
                if left < heap.count && precedes(left, first) { first = left }
                if right < heap.count && precedes(right, first) { first = right }
                guard first != parent else { break }
                heap.swapAt(parent, first)
                parent = first
            }
            return earliest
        }

        private func precedes(_ a: Int, _ b: Int) -> Bool {
            (heap[a].event.time, heap[a].order) < (heap[b].event.time, heap[b].order)
        }
    }

    private static let countries = ["DE", "FR", "NL", "GB", "ES", "IT", "US", "PL", "SE", "BE"]
    private static let currencies = [
        "DE": "EUR", "FR": "EUR", "NL": "EUR", "GB": "GBP", "ES": "EUR", "IT": "EUR", "US": "USD", "PL": "PLN",
        "SE": "SEK", "BE": "EUR",
    ]
    private static let mccs: [(mcc: Int, medianCents: Double)] = [
        (5411, 4500), (5812, 3800), (5541, 6000), (5999, 2500), (4111, 300), (5732, 25000), (7011, 18000), (5311, 7000),
    ]
    private static let channels = ["pos", "pos", "pos", "ecom", "ecom", "contactless"]
    /// After a data drift: where cross-border payments go, and the channel mix.
    private static let newMarket = ["BR", "MX", "IN", "TR"]
    private static let newMarketCurrencies = ["BR": "BRL", "MX": "MXN", "IN": "INR", "TR": "TRY"]
    private static let driftedChannels = ["pos", "ecom", "ecom", "ecom", "contactless", "contactless"]
    /// After a concept drift: the share of ordinary payments at a ring's merchants that are fraud.
    static let newFraudRingShare = 0.2

    static func isNewFraudRingMerchant(_ merchant: String) -> Bool {
        (Int(merchant.dropFirst(2)) ?? 0) % 50 == 7
    }

    /// Returns the next ordinary event at `baseTime`, or the first event of a fraud pattern whose
    /// later events go to `pending`.
    private mutating func schedule(at baseTime: Int64) -> PendingEvent {
        var burst: [PendingEvent] = []
        let roll = random.unit()
        if roll < 0.000_2 {
            // Card testing: a stolen card number tried with small online payments at many merchants.
            let card = cardName(random.below(cardCount))
            for step in 0..<(8 + random.below(13)) {
                var event = ordinaryEvent(card: card, at: baseTime)
                event.merchant = merchantName(random.below(merchantCount))
                event.amountCents = 50 + Int64(random.below(250))
                event.mcc = 5999
                event.channel = "ecom"
                event.time = baseTime + Int64(step) * (1000 + Int64(random.below(4000)))
                event.isFraud = true
                burst.append(event)
            }
        } else if roll < 0.000_25 {
            // Device farm: one device pays with many cards within minutes.
            farmCounter += 1
            let device = "farm-\(options.seed)-\(farmCounter)"
            for step in 0..<(15 + random.below(26)) {
                var event = ordinaryEvent(card: cardName(random.below(cardCount)), at: baseTime)
                event.device = device
                event.channel = "ecom"
                event.time = baseTime + Int64(step) * (5000 + Int64(random.below(20_000)))
                event.isFraud = true
                burst.append(event)
            }
        } else if roll < 0.000_75 {
            // Account take-over: large payments from a new country on a new device.
            let card = cardName(random.below(cardCount))
            let country = Self.countries[random.below(Self.countries.count)]
            let device = "ato-\(options.seed)-\(index)"
            for step in 0..<(1 + random.below(3)) {
                var event = ordinaryEvent(card: card, at: baseTime)
                event.country = country
                event.currency = Self.currencies[country] ?? "EUR"
                event.device = device
                event.amountCents = 100_000 + Int64(random.below(400_000))
                event.mcc = 5732
                event.time = baseTime + Int64(step) * 30_000
                event.isFraud = true
                burst.append(event)
            }
        } else {
            var event = ordinaryEvent(card: cardName(cardSampler.sample(&random)), at: baseTime)
            event.time = baseTime
            return event
        }
        for event in burst.dropFirst() { pending.insert(event) }
        return burst[0]
    }

    /// An ordinary payment of `card` around `time` (which decides whether the data drift applies;
    /// the caller sets the event's time). Drifted or not, it makes the same random draws.
    private mutating func ordinaryEvent(card: String, at time: Int64) -> PendingEvent {
        let drifted = options.dataDriftAt.map { time >= $0 } ?? false
        let cardNumber = Int(card.dropFirst(5)) ?? 0
        let home = Self.countries[cardNumber % Self.countries.count]
        let abroad = random.unit() < (drifted ? 0.25 : 0.05)
        let destinations = drifted ? Self.newMarket : Self.countries
        let country = abroad ? destinations[random.below(destinations.count)] : home
        let (mcc, median) = Self.mccs[random.below(Self.mccs.count)]
        // Log-normal amounts around the MCC's median (σ = 0.8).
        let cents = max(1, Int64((median * (drifted ? 2.5 : 1) * exp(0.8 * random.gaussian())).rounded()))
        let device = random.unit() < 0.1 ? "dev-\(random.below(cardCount))" : "dev-\(cardNumber)"
        let channels = drifted ? Self.driftedChannels : Self.channels
        return PendingEvent(
            card: card, merchant: merchantName(merchantSampler.sample(&random)), device: device,
            amountCents: min(cents, 99_999_999),
            currency: Self.currencies[country] ?? Self.newMarketCurrencies[country] ?? "EUR", country: country,
            mcc: mcc, channel: channels[random.below(channels.count)], time: 0, isFraud: false)
    }

    private func cardName(_ number: Int) -> String { "card-\(number)" }
    private func merchantName(_ number: Int) -> String { "m-\(number)" }

    // MARK: - JSON

    private func json(
        _ event: PendingEvent, txnID: String, amount: String? = nil, cardID: String? = nil, time: Int64? = nil
    ) -> String {
        let amountText =
            amount ?? "\(event.amountCents / 100).\(event.amountCents % 100 < 10 ? "0" : "")\(event.amountCents % 100)"
        return "{\"txn_id\":\"\(txnID)\",\"card_id\":\"\(cardID ?? event.card)\",\"merchant_id\":\"\(event.merchant)\","
            + "\"device_id\":\"\(event.device)\",\"amount\":\(amountText),\"currency\":\"\(event.currency)\","
            + "\"country\":\"\(event.country)\",\"mcc\":\(event.mcc),\"channel\":\"\(event.channel)\",\"ts\":\(time ?? event.time)}"
    }

    private mutating func malformed(_ event: PendingEvent, txnID: String) -> [UInt8] {
        switch random.below(10) {
        case 0: return Array(json(event, txnID: txnID).utf8.dropLast(7))
        case 1: return Array(json(event, txnID: txnID).replacingFirst("\"card_id\"", with: "\"card\"").utf8)
        case 2: return Array(json(event, txnID: txnID, amount: "\"12.50\"").utf8)
        case 3: return Array(json(event, txnID: txnID, amount: "-\(1 + random.below(500))").utf8)
        case 4: return Array(json(event, txnID: txnID, amount: "NaN").utf8)
        case 5: return Array(json(event, txnID: txnID, cardID: "").utf8)
        case 6: return Array(json(event, txnID: txnID, cardID: String(repeating: "9", count: 100)).utf8)
        case 7:
            // Two days past the end of the run, so past any message timestamp it is produced with
            // (the producer's clock) and rejected as from the future however far back the span
            // starts. Two days past its own event time may still be in the past: accepted, it
            // would move its partition's clock ahead of the traffic after it.
            let end = options.startTime + options.span
            return Array(json(event, txnID: txnID, time: max(event.time, end) + 2 * 86_400_000).utf8)
        case 8: return Array(json(event, txnID: txnID, amount: "1e400").utf8)
        default:
            var bytes = Array(json(event, txnID: txnID).utf8.dropLast())
            bytes +=
                Array(",\"padding\":\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: 20_000) + Array("\"}".utf8)
            return bytes
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}

// MARK: - Randomness

extension SeededRandom {
    /// Standard normal (Box-Muller).
    mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// Samples 0..<count with P(k) ∝ 1/(k+1)^s, by binary search over the cumulative weights.
struct ZipfSampler {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var running = 0.0
        cumulative = (0..<count).map { rank in
            running += 1 / pow(Double(rank + 1), exponent)
            return running
        }
    }

    func sample(_ random: inout SeededRandom) -> Int {
        let target = random.unit() * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

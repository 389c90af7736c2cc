import Foundation
import SluiceCore
import SluiceKafka
import SluiceKafkaTesting
import SluiceModel
import SluiceOffline
import SluiceTesting
import Testing

/// `sluice outcomes` and `sluice experiment report` on a prediction log and a labels topic on the
/// real broker: the join's as-of and maturity rules row by row, and every report figure against
/// scikit-learn, scipy and numpy on the outcomes file pyarrow reads.
@Suite("Outcomes and experiment report", .serialized)
struct ExperimentReportTests {
    static let day: Int64 = 86_400_000

    /// One synthetic prediction and what the join must make of it.
    struct Case {
        var record: PredictionRecord
        var labels: [(value: Int, time: Int64)]
    }

    /// Predictions over 40 days before `asOf` (and a few after it), champion v1 with 70% of the
    /// traffic, canary v2 with 30% and a better model, shadow v3 on every request; fraud 6%, so that
    /// each variant has some 25 matured frauds (with 3%, the canary had under 11 in a quarter of runs).
    static func cases(asOf: Int64) -> [Case] {
        var random = SeededRandom(seed: TestSeed.draw(for: "experiment-report"))
        var cases: [Case] = []
        for index in 0..<4_000 {
            let eventTime = asOf - 40 * day + Int64(random.below(Int(41 * day)))
            let fraud = random.unit() < 0.06
            let canary = random.unit() < 0.3
            var labels: [(value: Int, time: Int64)] = []
            if fraud {
                labels.append((1, eventTime + day + Int64(random.below(Int(25 * day)))))
            } else if random.unit() < 0.1 {
                labels.append((0, eventTime + Int64(random.below(Int(3 * day)))))
            }
            // A correction: a first label of 0, then 1 a day later.
            if fraud && index % 7 == 0 { labels.insert((0, labels[0].time - day / 2), at: 0) }
            let strength = canary ? 0.5 : 0.3
            func score() -> Double {
                let value = random.unit() * (1 - strength) + (fraud ? strength : 0)
                return (value * 200).rounded() / 200
            }
            let servedAt = eventTime + Int64(random.below(50))
            let latency = 300 + 2_000 * random.unit() * random.unit()
            let id = "r-\(index)"
            let served = PredictionRecord(
                requestID: id, eventID: "t-\(index)", model: "report-model", version: canary ? 2 : 1,
                variant: canary ? "canary" : "champion", served: true, score: score(), eventTime: eventTime,
                servedAt: servedAt, latencyMicroseconds: latency)
            var shadow = served
            shadow.version = 3
            shadow.variant = "shadow"
            shadow.served = false
            shadow.score = score()
            cases.append(Case(record: served, labels: labels))
            cases.append(Case(record: shadow, labels: []))
        }
        return cases
    }

    static func json(_ record: PredictionRecord) -> [UInt8] {
        let object: [String: Any] = [
            "request_id": record.requestID, "event_id": record.eventID, "model": record.model,
            "version": record.version, "variant": record.variant, "served": record.served, "score": record.score,
            "features": ["card__txn_count_1h": 1], "newest_event_time": ["card": record.eventTime],
            "event_time": record.eventTime, "served_at": record.servedAt, "latency_us": record.latencyMicroseconds,
        ]
        return Array(try! JSONSerialization.data(withJSONObject: object))
    }

    struct Rows: Decodable {
        var rows: [[Value?]]
        var metadata: [String: String]
    }

    enum Value: Decodable, Equatable {
        case text(String)
        case number(Int64)
        case flag(Bool)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .flag(flag)
            } else if let number = try? container.decode(Int64.self) {
                self = .number(number)
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    @Test("outcomes follow the as-of and maturity rules; the report's figures equal the references")
    func outcomesAndReport() async throws {
        let work = try ModelsCommandTests.Workspace()
        defer { try? FileManager.default.removeItem(atPath: work.folder) }
        let predictionsTopic = try await KafkaTestSupport.makeTopic("predictions", partitions: 2)
        let labelsTopic = try await KafkaTestSupport.makeTopic("labels", partitions: 2)
        // The deployment as of the report: champion v1, canary v2 (30%), shadow v3, threshold 0.6.
        let draft = work.folder + "/model.json"
        _ = try await PythonTools.run(
            "train_xgboost.py",
            ["--out", draft, "--synthetic", "500", "--features", "card__txn_count_1h,merchant__txn_count_1h"])
        try await work.sluice(["features", "apply", TestRepository.path("topologies/fraud.yaml")])
        for version in 1...3 {
            try await work.sluice(["models", "register", "report-model", "--artifact", draft])
            try await work.sluice(["models", "approve", "report-model", String(version)])
        }
        try await work.sluice(
            [
                "deploy", "report-model", "--champion", "1", "--canary", "2", "--weight", "30", "--shadow", "3",
                "--threshold", "0.6",
            ])
        let asOf = Int64(Date().timeIntervalSince1970 * 1000)
        let delay = 20 * Self.day
        let cases = Self.cases(asOf: asOf)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        for item in cases {
            try producer.tryEnqueue(
                KafkaProducerMessage(
                    topic: predictionsTopic, key: Array(item.record.requestID.utf8), value: Self.json(item.record)))
            for label in item.labels {
                let text = "{\"txn_id\":\"\(item.record.eventID)\",\"label\":\(label.value),\"ts\":\(label.time)}"
                try producer.tryEnqueue(KafkaProducerMessage(topic: labelsTopic, value: Array(text.utf8)))
            }
        }
        try producer.tryEnqueue(KafkaProducerMessage(topic: predictionsTopic, value: Array("{\"not\": 1}".utf8)))
        await producer.close(flushTimeout: .seconds(20))

        let kafka = ["--brokers", TestServices.brokers]
        let topics = ["--predictions-topic", predictionsTopic, "--labels-topic", labelsTopic]
        let rules = ["--as-of", String(asOf), "--label-delay-max", "20d"]
        let out = work.folder + "/outcomes.parquet"
        let written = try await work.sluice(["outcomes", "--out", out] + topics + rules + kafka, registry: false)
        #expect(written.contains("1 messages not prediction records"), "\(written)")

        // Expected, row by row, from the rules; a shadow record meets the label of its request's event.
        var expected: [String: (status: String, label: Int?, labelTime: Int64?, matured: Bool)] = [:]
        let labelsOfEvent = Dictionary(
            cases.filter(\.record.served).map { ($0.record.eventID, $0.labels) }, uniquingKeysWith: { a, _ in a })
        for item in cases where item.record.servedAt <= asOf {
            let matured = item.record.eventTime + delay <= asOf
            let known = (labelsOfEvent[item.record.eventID] ?? [])
                .filter { $0.time <= asOf && $0.time - item.record.eventTime <= delay }
                .max { $0.time < $1.time }
            let key = item.record.requestID + "/" + item.record.variant
            if let known {
                expected[key] = ("labeled", known.value, known.time, matured)
            } else {
                expected[key] = (matured ? "legitimate" : "pending", matured ? 0 : nil, nil, matured)
            }
        }
        let file = try await PythonTools.runJSON("classification_reference.py", ["rows", out], as: Rows.self)
        #expect(file.metadata["sluice.labels.as_of"] == String(asOf))
        #expect(file.rows.count == expected.count, "predictions served after --as-of are left out")
        var statuses: [String: Int] = [:]
        for row in file.rows {
            guard case .text(let id)? = row[0], case .text(let variant)? = row[1], case .text(let status)? = row[2],
                case .flag(let matured)? = row[5]
            else {
                Issue.record("unexpected row \(row)")
                continue
            }
            let key = id + "/" + variant
            let want = try #require(expected[key], "\(key)")
            #expect(status == want.status && matured == want.matured, "\(key): \(status) \(matured) vs \(want)")
            #expect(row[3] == want.label.map { .number(Int64($0)) }, "\(key): label")
            #expect(row[4] == want.labelTime.map { .number($0) }, "\(key): label time")
            statuses[status, default: 0] += 1
        }
        #expect(statuses.count == 3, "labeled, legitimate and pending rows: \(statuses)")

        // The report, against the references on the outcomes file.
        let output = try await work.sluice(
            ["experiment", "report", "report-model", "--json"] + topics + rules + kafka + work.store, registry: false)
        // The output holds the note on what was read (standard error), then the JSON.
        let json = output.split(separator: "\n").drop { !$0.hasPrefix("{") }.joined(separator: "\n")
        let report = try JSONDecoder().decode(ExperimentReport.self, from: Data(json.utf8))
        #expect(report.threshold == 0.6 && report.asOf == asOf && report.labelDelayMax == delay)
        #expect(report.variants.map(\.label) == ["champion v1", "canary v2", "shadow v3"])

        struct References: Decodable {
            struct Variant: Decodable {
                var variant: String
                var version: Int
                var requests, matured, labeled, pending, positives: Int
                var rocAUC, deLongVariance, averagePrecision, precision, recall, recallAt1PercentFPR, brier: Double?
                var latencyP99: Double?
                var fraudRateInterval, precisionInterval, recallInterval: [Double]?
            }
            var variants: [Variant]
        }
        let references = try await PythonTools.runJSON(
            "classification_reference.py", ["outcomes", out, "0.6"], as: References.self)
        for variant in report.variants {
            let reference = try #require(
                references.variants.first { $0.variant == variant.variant && $0.version == variant.version })
            let name = variant.label
            #expect(variant.requests == reference.requests && variant.matured == reference.matured, "\(name)")
            #expect(variant.labeled == reference.labeled && variant.pending == reference.pending, "\(name)")
            #expect(variant.fraud == reference.positives && variant.fraud > 10, "\(name)")
            func close(_ a: Double?, _ b: Double?, _ tolerance: Double = 1e-12) -> Bool {
                guard let a, let b else { return a == nil && b == nil }
                return abs(a - b) <= tolerance
            }
            #expect(close(variant.rocAUC.value, reference.rocAUC), "\(name) ROC-AUC")
            let auc = try #require(variant.rocAUC.value)
            let variance = try #require(reference.deLongVariance)
            #expect(
                close(variant.rocAUC.interval?.lower, max(0, auc - 1.959963984540054 * variance.squareRoot()), 1e-9))
            #expect(close(variant.prAUC.value, reference.averagePrecision), "\(name) PR-AUC")
            #expect(close(variant.precision.value, reference.precision), "\(name) precision")
            #expect(close(variant.recall.value, reference.recall), "\(name) recall")
            #expect(close(variant.recallAt1PercentFPR.value, reference.recallAt1PercentFPR), "\(name) recall@1%")
            #expect(close(variant.brierScore, reference.brier), "\(name) Brier")
            #expect(close(variant.fraudRate.interval?.lower, reference.fraudRateInterval?[0], 1e-9))
            #expect(close(variant.precision.interval?.upper, reference.precisionInterval?[1], 1e-9))
            #expect(close(variant.recall.interval?.lower, reference.recallInterval?[0], 1e-9))
            #expect(close(variant.latencyP99Microseconds.value, reference.latencyP99, 1e-9), "\(name) p99")
        }
        let canary = try #require(report.variants.first { $0.variant == "canary" }?.comparison)
        #expect(canary.baseline == "champion v1")
        #expect((canary.brierDifference ?? 0) < 0 && canary.pValue > 0 && canary.pValue <= 1)
        #expect(report.variants.first { $0.variant == "shadow" }?.comparison == nil)
        #expect(report.variants.first { $0.variant == "shadow" }?.latencyP99Microseconds.value == nil)

        let text = try await work.sluice(
            ["experiment", "report", "report-model"] + topics + rules + kafka + work.store, registry: false)
        #expect(text.contains("canary v2: ") && text.contains("always-valid p = "), "\(text)")
    }
}

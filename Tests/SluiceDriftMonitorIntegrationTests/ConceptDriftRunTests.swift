import Foundation
import SluiceCore
import SluiceKafka
import SluiceKafkaTesting
import SluiceParquet
import SluiceTesting
import Testing

/// `sluice drift run --labels-topic`: the prediction log joined with delayed labels per window and
/// variant once labels mature, judged against scikit-learn on the same records, and a change of
/// P(fraud | score) found where it was planted.
@Suite("sluice drift run: concept drift on matured labels", .timeLimit(.minutes(8)))
struct ConceptDriftRunTests {
    static let hour: Int64 = 3_600_000
    static let base: Int64 = 1_796_000_400_000  // a whole hour

    struct Prediction: Encodable {
        var eventID: String
        var eventTime: Int64
        var score: Double
        var variant: String
        var version: Int
        var served: Bool

        private enum CodingKeys: String, CodingKey {
            case score, variant, version, served
            case eventID = "event_id"
            case eventTime = "event_time"
        }
    }

    struct Label: Encodable {
        var txnID: String
        var label: Int
        var ts: Int64

        private enum CodingKeys: String, CodingKey {
            case label, ts
            case txnID = "txn_id"
        }
    }

    struct Reference: Encodable {
        var scores: [Double]
        var labels: [Int]
    }

    struct Scenario: Encodable {
        var predictions: [Prediction]
        var labels: [Label]
        var delay: Int64
        var window: Int64
        var threshold: Double
        var reference: Reference
    }

    /// Scores skewed low; fraud with probability half the score, and from hour 3 on a fraud ring
    /// among low scores (P(fraud | score) moves while the scores' distribution does not).
    static func fraud(score: Double, shifted: Bool, _ random: inout SeededRandom) -> Bool {
        random.unit() < 0.5 * score + (shifted && score < 0.1 ? 0.06 : 0)
    }

    static func scenario() -> Scenario {
        var random = SeededRandom(seed: 29)
        var reference = Reference(scores: [], labels: [])
        for _ in 0..<20_000 {
            let score = pow(random.unit(), 3)
            reference.scores.append(score)
            reference.labels.append(fraud(score: score, shifted: false, &random) ? 1 : 0)
        }
        var predictions: [Prediction] = []
        var labels: [Label] = []
        for index in 0..<39_000 {
            let time = base + Int64(index) * 600
            let score = pow(random.unit(), 3)
            let isFraud = fraud(score: score, shifted: time >= base + 3 * hour, &random)
            let id = "e-\(index)"
            predictions.append(
                Prediction(eventID: id, eventTime: time, score: score, variant: "champion", version: 1, served: true))
            if index % 3 == 0 {
                predictions.append(
                    Prediction(
                        eventID: id, eventTime: time, score: min(1, score * 1.1), variant: "shadow", version: 2,
                        served: false))
            }
            if isFraud {
                // Most chargebacks within a day; 3% after the 24-hour delay, which count as legitimate.
                let delay = random.below(100) < 3 ? 30 * hour : hour + Int64(random.unit() * Double(20 * hour))
                labels.append(Label(txnID: id, label: 1, ts: time + delay))
            } else if random.below(100) < 5 {
                labels.append(Label(txnID: id, label: 0, ts: time + Int64(random.unit() * Double(6 * hour))))
            }
        }
        labels.sort { ($0.ts, $0.txnID) < ($1.ts, $1.txnID) }
        return Scenario(
            predictions: predictions, labels: labels, delay: 24 * hour, window: hour, threshold: 0.3,
            reference: reference)
    }

    static func json(_ prediction: Prediction, index: Int) -> [UInt8] {
        Array(
            """
            {"request_id":"r-\(index)","event_id":"\(prediction.eventID)","model":"fraud","version":\(prediction.version),\
            "variant":"\(prediction.variant)","served":\(prediction.served),"score":\(prediction.score),"features":{},\
            "event_time":\(prediction.eventTime),"served_at":\(prediction.eventTime + 5),"latency_us":250}
            """.utf8)
    }

    /// The scenario on two fresh topics, and its reference (scores and labels) as Parquet.
    struct Setup {
        var folder: String
        var scenario: Scenario
        var reference: String
        var predictionsTopic: String
        var labelsTopic: String

        func arguments(group: String, window: String = "1h", untilIdle: Bool = true) -> [String] {
            [
                "drift", "run", "--reference", reference, "--predictions-topic", predictionsTopic, "--model", "fraud",
                "--labels-topic", labelsTopic, "--label-delay-max", "24h", "--threshold", "0.3",
                "--concept-reference", reference, "--group", group, "--parts-topic", group + ".parts",
                "--drift-topic", group + ".out", "--allowed-lateness", "5m", "--idle-timeout", "1s", "--window", window,
                "--metrics-port", "0",
            ] + (untilIdle ? ["--until-idle"] : [])
        }
    }

    /// Produces `labels` to the labels topic, each partition's by hash of the event id.
    static func produce(_ labels: [Label], to topic: String, producer: KafkaProducer) async throws {
        for label in labels {
            try producer.enqueue(
                KafkaProducerMessage(
                    topic: topic, partition: Int32(StableHash.hash(label.txnID) % 2), key: nil,
                    value: Array(#"{"txn_id":"\#(label.txnID)","label":\#(label.label),"ts":\#(label.ts)}"#.utf8)))
        }
        try await producer.flush()
    }

    /// Labels that keep coming in a live stream: these move both partitions' label time to `time`.
    static func heartbeat(at time: Int64) -> [Label] {
        // Event ids that land in partitions 0 and 1.
        let ids = (0..<20).map { "later-\($0)" }
        return [0, 1].compactMap { partition in
            ids.first { StableHash.hash($0) % 2 == partition }.map { Label(txnID: $0, label: 0, ts: time) }
        }
    }

    /// With `labelsBefore`, only the labels known before that time are produced; the test
    /// produces the rest as time goes on.
    static func setUp(labelsBefore: Int64? = nil) async throws -> Setup {
        let folder = NSTemporaryDirectory() + "/" + TestServices.uniqueName("drift-concept")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let scenario = Self.scenario()

        let reference = folder + "/reference.parquet"
        let writer = try ParquetWriter(
            path: reference, schema: [ParquetField("score", .double), ParquetField("label", .int32)])
        for (score, label) in zip(scenario.reference.scores, scenario.reference.labels) {
            try writer.append(score)
            try writer.append(Int32(label))
            try writer.endRow()
        }
        _ = try writer.close()

        let predictionsTopic = try await KafkaTestSupport.makeTopic("concept-predictions", partitions: 2)
        let labelsTopic = try await KafkaTestSupport.makeTopic("concept-labels", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        for (index, prediction) in scenario.predictions.enumerated() {
            try producer.enqueue(
                KafkaProducerMessage(
                    topic: predictionsTopic, partition: Int32(index % 2), key: nil,
                    value: Self.json(prediction, index: index)))
        }
        if let labelsBefore {
            try await produce(scenario.labels.filter { $0.ts < labelsBefore }, to: labelsTopic, producer: producer)
        } else {
            try await produce(
                scenario.labels + heartbeat(at: base + 48 * hour), to: labelsTopic, producer: producer)
        }
        return Setup(
            folder: folder, scenario: scenario, reference: reference, predictionsTopic: predictionsTopic,
            labelsTopic: labelsTopic)
    }

    /// The concept records of a drift topic by `<window_start>:<variant>:<version>` (the newest of each).
    static func conceptRecords(_ topic: String) async throws -> [String: [String: Any]] {
        var records: [String: [String: Any]] = [:]
        for message in try await KafkaTestSupport.readAll(topic: topic, partitions: 1) {
            let object = try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
            guard object?["kind"] as? String == "concept", let object else { continue }
            records["\(object["window_start"]!):\(object["variant"]!):\(object["version"]!)"] = object
        }
        return records
    }

    @Test(
        "frozen past max.poll.interval.ms (SIGSTOP 8 s), the run loses its group, rejoins and still publishes every window"
    )
    func frozenPastThePollInterval() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let setup = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: setup.folder) }
        let group = TestServices.uniqueName("drift-frozen")
        let logFile = setup.folder + "/run.log"
        let process = try TestProcess(sluice, setup.arguments(group: group), logFile: logFile)
        // Frozen as a starved machine freezes it, once it merges windows: its consumers miss
        // their polls and heartbeats, the broker drops them, and on waking they rejoin with
        // offsets to commit under a member id the group no longer knows.
        try await Self.waitForLog(logFile, "this process merges the windows")
        process.send(SIGSTOP)
        try await Task.sleep(for: .seconds(8))
        process.send(SIGCONT)
        let status = try await process.waitForExit(timeout: .seconds(180))
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(log)")
        let records = try await Self.conceptRecords(group + ".out")
        #expect(records.count == 12, "\(records.keys.sorted())\n\(log)")
    }

    /// Waits until `file` holds `text`.
    static func waitForLog(_ file: String, _ text: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").contains(text) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("\(file) did not log '\(text)' within \(timeout)")
    }

    @Test(
        "per window and variant, every figure equals scikit-learn's on the outcomes; P(Y|X) flagged from the shift on")
    func conceptWindows() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let setup = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: setup.folder) }
        let (folder, scenario) = (setup.folder, setup.scenario)
        let group = TestServices.uniqueName("drift-concept")
        let run = try await TestProcess.run(sluice, setup.arguments(group: group))
        #expect(run.status == 0, "\(run.output)")
        let records = try await Self.conceptRecords(group + ".out")
        // Hours 0 to 5 close (hour 6 holds the newest predictions and stays open), two variants each.
        #expect(records.count == 12, "\(records.keys.sorted())\n\(run.output)")

        let input = folder + "/scenario.json"
        try JSONEncoder().encode(scenario).write(to: URL(fileURLWithPath: input))
        let expected =
            try JSONSerialization.jsonObject(
                with: Data(try await PythonTools.run("classification_reference.py", ["concept", input]).utf8))
            as? [String: [String: Any]] ?? [:]
        for hour in 0..<6 {
            let start = Self.base + Int64(hour) * Self.hour
            for variant in ["champion:1", "shadow:2"] {
                let key = "\(start):\(variant)"
                let record = try #require(records[key], "no concept record \(key)")
                let reference = try #require(expected[key])
                let metrics = try #require(record["metrics"] as? [String: Any])
                #expect((metrics["predictions"] as? Int) == (reference["rows"] as? Int), "\(key)")
                #expect((metrics["fraud"] as? Int) == (reference["positives"] as? Int), "\(key)")
                #expect((metrics["labeled"] as? Int) == (reference["labeled"] as? Int), "\(key)")
                for (name, referenceName) in [
                    ("roc_auc", "rocAUC"), ("pr_auc", "averagePrecision"), ("precision", "precision"),
                    ("recall", "recall"), ("recall_at_1pct_fpr", "recallAt1PercentFPR"), ("brier", "brier"),
                    ("log_loss", "logLoss"), ("fraud_rate", "fraudRate"), ("score_psi", "scorePSI"),
                ] {
                    #expect(
                        TestNumbers.close(
                            (metrics[name] as? NSNumber)?.doubleValue,
                            (reference[referenceName] as? NSNumber)?.doubleValue), "\(key) \(name)")
                }
                let calibration = metrics["calibration"] as? [[String: Any]] ?? []
                let referenceCalibration = reference["calibration"] as? [[String: Any]] ?? []
                #expect(calibration.count == referenceCalibration.count && calibration.count == 10, "\(key)")
                for (bin, referenceBin) in zip(calibration, referenceCalibration) {
                    #expect((bin["count"] as? Int) == (referenceBin["count"] as? Int), "\(key)")
                    for (name, referenceName) in [
                        ("fraud_rate", "fraudRate"), ("mean_score", "meanScore"),
                        ("reference_fraud_rate", "referenceFraudRate"),
                    ] {
                        #expect(
                            TestNumbers.close(
                                (bin[name] as? NSNumber)?.doubleValue,
                                (referenceBin[referenceName] as? NSNumber)?.doubleValue
                            ), "\(key) calibration \(name)")
                    }
                }
            }
            let champion = try #require(records["\(start):champion:1"]?["metrics"] as? [String: Any])
            #expect(
                champion["conditional_shift"] as? Bool == (hour >= 3),
                "hour \(hour): \(champion["shifts"] ?? []) score PSI \(champion["score_psi"] ?? "-")")
        }
        let ddm = (0..<6).map { hour in
            let metrics = records["\(Self.base + Int64(hour) * Self.hour):champion:1"]?["metrics"] as? [String: Any]
            return (metrics?["ddm"] as? [String: Any])?["drifts"] as? Int ?? -1
        }
        print("concept drift: champion's DDM drift signals per window: \(ddm)")
        #expect(ddm[..<3].allSatisfy { $0 == 0 } && ddm[3...].reduce(0, +) >= 1, "DDM per window: \(ddm)")
        #expect(run.output.contains("variant windows judged"), "\(run.output)")
        for line in run.output.split(separator: "\n") where line.contains("concept window") {
            print(line)
        }

        // The report of a shifted window has the concept section: both variants, their
        // calibration charts, the moved deciles; Chromium renders it.
        let chromium = try TestProcess.which("chromium")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        let page = folder + "/window.html"
        let report = try await TestProcess.run(
            sluice,
            [
                "drift", "report", "--window", String(Self.base + 4 * Self.hour + 1), "--drift-topic", group + ".out",
                "--out", page,
            ])
        #expect(report.status == 0 && report.output.contains("concept drift in 2 of 2"), "\(report.output)")
        let dom = try await TestProcess.run(chromium, flags + ["--dump-dom", "file://\(page)"])
        #expect(dom.output.contains("<h2>Concept drift</h2>") && dom.output.contains("fraud champion v1"))
        #expect(dom.output.components(separatedBy: "<svg class=\"chart calibration\"").count - 1 == 2)
        #expect(dom.output.contains("in the reference,") && dom.output.contains(">moved</span>"))

        // Two files with outcomes: the current one's judged against the reference's.
        let current = folder + "/current.parquet"
        let shifted = try ParquetWriter(
            path: current, schema: [ParquetField("score", .double), ParquetField("label", .int32)])
        var random = SeededRandom(seed: 5)
        for _ in 0..<20_000 {
            let score = pow(random.unit(), 3)
            try shifted.append(score)
            try shifted.append(Int32(Self.fraud(score: score, shifted: true, &random) ? 1 : 0))
            try shifted.endRow()
        }
        _ = try shifted.close()
        let files = try await TestProcess.run(
            sluice,
            ["drift", "report", "--reference", setup.reference, "--current", current, "--out", folder + "/files.html"])
        #expect(files.status == 0 && files.output.contains("concept drift in 1 of 1"), "\(files.output)")
    }

    @Test(
        "killed at random moments as labels arrive, and restarted, the lane publishes the uninterrupted run's windows, detectors included"
    )
    func killedAndRestarted() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        // Labels up to 25 hours after the first payment: the first windows mature.
        var known = Self.base + 25 * Self.hour
        let setup = try await Self.setUp(labelsBefore: known)
        defer { try? FileManager.default.removeItem(atPath: setup.folder) }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        func labels(until time: Int64) async throws {
            let due = setup.scenario.labels.filter { $0.ts >= known && $0.ts < time }
            try await Self.produce(due + Self.heartbeat(at: time - 1), to: setup.labelsTopic, producer: producer)
            known = time
        }

        // Each run killed at a random moment as labels arrive, once it judged a window.
        let group = TestServices.uniqueName("drift-concept-killed")
        var random = SeededRandom(seed: UInt64(Date().timeIntervalSince1970))
        for round in 0..<3 {
            let log = setup.folder + "/run-\(round).log"
            let process = try TestProcess(
                sluice, setup.arguments(group: group, window: "10m", untilIdle: false), logFile: log)
            try await labels(until: known + Self.hour)
            try await DriftRunTests.waitForLog(log, "concept window")
            for _ in 0..<3 {
                try await labels(until: known + 10 * 60_000)
                try await Task.sleep(for: .milliseconds(random.below(400)))
            }
            process.send(SIGKILL)
            _ = try await process.waitForExit(timeout: .seconds(10))
        }
        let killedAt = try await Self.conceptRecords(group + ".out").count
        try await Self.produce(
            setup.scenario.labels.filter { $0.ts >= known } + Self.heartbeat(at: Self.base + 48 * Self.hour),
            to: setup.labelsTopic, producer: producer)
        let last = try await TestProcess.run(sluice, setup.arguments(group: group, window: "10m"))
        #expect(last.status == 0, "\(last.output)")
        let records = try await Self.conceptRecords(group + ".out")

        let uninterrupted = TestServices.uniqueName("drift-concept-whole")
        let whole = try await TestProcess.run(sluice, setup.arguments(group: uninterrupted, window: "10m"))
        #expect(whole.status == 0, "\(whole.output)")
        let expected = try await Self.conceptRecords(uninterrupted + ".out")
        // 6.5 hours of payments in 10-minute windows; the last holds the newest and stays open.
        #expect(expected.count == 38 * 2, "\(expected.count) concept windows")
        print("concept lane killed three times as labels came, after \(killedAt) of \(expected.count) variant windows")
        #expect(killedAt > 0 && killedAt < expected.count)
        #expect(Set(records.keys) == Set(expected.keys))
        func content(_ record: [String: Any]?) -> String {
            var record = record ?? [:]
            record["closed_at"] = nil
            return String(
                decoding: (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data(),
                as: UTF8.self)
        }
        for (key, record) in expected {
            #expect(content(records[key]) == content(record), "\(key)")
        }
    }
}

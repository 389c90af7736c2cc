import Foundation
import SluiceCore
import SluiceDrift
import SluiceKafka
import SluiceKafkaTesting
import SluiceOffline
import SluiceTesting
import SluiceTopology
import Testing

/// `sluice drift run` on the real broker: windows against batch comparisons of the same events,
/// the demo's shift, two processes against one, and the prediction log's features and scores.
@Suite("sluice drift run on the live topics", .serialized, .timeLimit(.minutes(6)))
struct DriftRunTests {
    static let hour: Int64 = 3_600_000

    /// A folder with the fraud topology reading `topic` and a monitor file (mcc as categories).
    struct Setup {
        var folder: String
        var topology: String
        var monitor: String
        var compiled: CompiledTopology

        init(topic: String) throws {
            folder = NSTemporaryDirectory() + "/" + TestServices.uniqueName("drift-run")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let text = try String(contentsOfFile: TestRepository.path("topologies/fraud.yaml"), encoding: .utf8)
                .replacingOccurrences(of: "\n  topic: transactions\n", with: "\n  topic: \(topic)\n")
            topology = folder + "/topology.yaml"
            try Data(text.utf8).write(to: URL(fileURLWithPath: topology))
            monitor = folder + "/monitor.yaml"
            try Data("columns:\n  mcc: {kind: categorical}\n".utf8).write(to: URL(fileURLWithPath: monitor))
            compiled = CompiledTopology(try TopologyLoader.load(file: topology))
        }
    }

    /// The records of a drift topic by `<window_start>:<column>`.
    static func records(_ topic: String) async throws -> [String: [String: Any]] {
        var records: [String: [String: Any]] = [:]
        for message in try await KafkaTestSupport.readAll(topic: topic, partitions: 1) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
            records[String(decoding: message.key ?? [], as: UTF8.self)] = object
        }
        return records
    }

    static func runArguments(_ setup: Setup, reference: String, group: String, extra: [String] = []) -> [String] {
        [
            "drift", "run", "--topology", setup.topology, "--reference", reference, "--monitor", setup.monitor,
            "--group", group, "--parts-topic", group + ".parts", "--drift-topic", group + ".out",
            "--allowed-lateness", "30m", "--idle-timeout", "1s", "--metrics-port", "0", "--quiet",
        ] + extra
    }

    @Test(
        "each closed window equals the batch comparison of its events; the demo's shift is found in its first full window"
    )
    func windowsEqualBatch() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let topic = TestServices.uniqueName("drift-live")
        let setup = try Setup(topic: topic)
        defer { try? FileManager.default.removeItem(atPath: setup.folder) }
        let produced = try await TestProcess.run(
            sluice,
            [
                "produce-demo", "--topic", topic, "--events", "68000", "--span", "34h", "--drift-at", "+30h", "--seed",
                "11", "--malformed", "0.005", "--labels-topic", topic + ".labels",
            ])
        #expect(produced.status == 0, "\(produced.output)")
        // The events as the engine's decoder reads them; malformed ones are rejected there too.
        var events: [DecodedEvent] = []
        var messages = 0
        for message in try await KafkaTestSupport.readAll(topic: topic, partitions: 4) {
            messages += 1
            if case .success(let event) = setup.compiled.decoder.decode(
                message.value, messageTimestamp: message.timestamp)
            {
                events.append(event)
            }
        }
        #expect(events.count < messages, "some messages are malformed")
        let start = try #require(events.map(\.eventTime).min())
        let reference = setup.folder + "/reference.parquet"
        let written = try await TestProcess.run(
            sluice,
            [
                "drift", "reference", "--topology", setup.topology, "--from", String(start), "--to",
                String(start + 4 * Self.hour), "--out", reference,
            ])
        #expect(written.status == 0 && written.output.contains("rejected by the schema"), "\(written.output)")

        let group = TestServices.uniqueName("drift-one")
        let run = try await TestProcess.run(
            sluice, Self.runArguments(setup, reference: reference, group: group, extra: ["--until-idle"]))
        #expect(run.status == 0, "\(run.output)")
        let records = try await Self.records(group + ".out")

        // Expected: the batch comparison of each window's events with the same reference.
        let settings = try DriftMonitorLoader.load(file: setup.monitor)
        let referenceSamples = try ParquetDriftComparison.reference(reference, settings: settings)
        let columns = ["amount", "currency", "country", "mcc", "channel"]
        let fields = columns.map { setup.compiled.topology.source.fieldIndex($0)! }
        var byWindow: [Int64: [DecodedEvent]] = [:]
        for event in events { byWindow[event.eventTime - event.eventTime % Self.hour, default: []].append(event) }
        let windows = Set(records.values.compactMap { ($0["window_start"] as? NSNumber)?.int64Value }).sorted()
        #expect(windows.count >= 33, "every window but the newest closed: \(windows.count)")
        #expect(records.count == windows.count * columns.count)
        var closedEvents = 0
        for window in windows {
            let current: [(name: String, sample: ColumnSample)] = zip(columns, fields).map { name, field in
                let values = byWindow[window, default: []].map { $0.values[field] }
                return name == "amount"
                    ? (name, .numeric(values.map(\.doubleValue)))
                    : (
                        name,
                        .categorical(
                            values.map { value in
                                value.stringValue ?? value.doubleValue.flatMap(DriftMonitorSettings.categoryText)
                            })
                    )
            }
            closedEvents += byWindow[window, default: []].count
            let expected = DatasetComparison.compare(
                reference: referenceSamples, current: current, columns: columns, bins: settings.bins,
                policy: settings.policy)
            for column in expected.columns {
                let record = try #require(records["\(window):\(column.column)"], "window \(window) \(column.column)")
                #expect(record["window_end"] as? NSNumber == NSNumber(value: window + Self.hour))
                let comparison = try #require(record["comparison"] as? [String: Any])
                let side = comparison["current"] as? [String: Any]
                #expect((side?["rows"] as? NSNumber)?.intValue == column.current.rows)
                for (key, value) in [
                    ("psi", column.psi), ("js", column.js), ("kl", column.kl),
                    ("ks_pvalue", column.kolmogorovSmirnov?.pValue),
                    ("ks_statistic", column.kolmogorovSmirnov?.statistic), ("wasserstein", column.wasserstein),
                    ("chi2_pvalue", column.chiSquare?.pValue),
                ] {
                    #expect(
                        TestNumbers.close((comparison[key] as? NSNumber)?.doubleValue, value),
                        "window \(window) \(column.column) \(key): \(comparison[key] ?? "nil") against \(value as Any)")
                }
                #expect(record["drifted"] as? Bool == column.decision?.drifted)
            }
        }
        #expect(
            closedEvents == events.filter { $0.eventTime < windows.last! + Self.hour }.count, "no event lost or late")

        // The shift: nothing drifted between the reference's end and the shift; the first full
        // window after it drifted in amounts, countries and channels.
        let shift = start + 30 * Self.hour
        let firstFull = shift - shift % Self.hour + Self.hour
        let calm = windows.filter { $0 >= start + 5 * Self.hour && $0 + Self.hour <= shift }
        let alarms = calm.filter { window in
            columns.contains { records["\(window):\($0)"]?["drifted"] as? Bool == true }
        }
        print("drift run: false alarms in \(alarms.count) of \(calm.count) unshifted windows")
        #expect(calm.count >= 24 && alarms.isEmpty, "\(alarms)")
        for column in ["amount", "country", "channel"] {
            #expect(records["\(firstFull):\(column)"]?["drifted"] as? Bool == true, "\(column) in \(firstFull)")
        }
        #expect(records["\(firstFull):mcc"]?["drifted"] as? Bool == false)

        // The report of that live window, from the drift topic.
        let page = setup.folder + "/window.html"
        let report = try await TestProcess.run(
            sluice,
            [
                "drift", "report", "--window", String(firstFull + Self.hour / 2), "--drift-topic", group + ".out",
                "--out",
                page,
            ])
        let driftedThere = columns.filter { records["\(firstFull):\($0)"]?["drifted"] as? Bool == true }.count
        #expect(
            report.status == 0 && report.output.contains("\(driftedThere) of 5 columns drifted"), "\(report.output)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("<svg") && columns.allSatisfy { html.contains(">\($0)<") })
        let absent = try await TestProcess.run(
            sluice, ["drift", "report", "--window", "1000", "--drift-topic", group + ".out", "--out", page])
        #expect(
            absent.status == 1 && absent.output.contains("has no closed window containing 1000"), "\(absent.output)")
    }

    /// Waits until `file` holds `text` at least `count` times.
    static func waitForLog(_ file: String, _ text: String, count: Int = 1, timeout: Duration = .seconds(60))
        async throws
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let log = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if log.components(separatedBy: text).count - 1 >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure(
            "\(file) did not log '\(text)' \(count) times within \(timeout):\n\((try? String(contentsOfFile: file, encoding: .utf8)) ?? "")"
        )
    }

    /// A record without the wall-clock time it closed at.
    static func content(_ record: [String: Any]) -> NSDictionary {
        var copy = record
        copy["closed_at"] = nil
        return copy as NSDictionary
    }

    @Test("two processes split the partitions; the windows they merge equal one process's")
    func twoProcessesEqualOne() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        // The reference: the first 4 hours of other demo traffic.
        let referenceTopic = TestServices.uniqueName("drift-ref")
        let referenceSetup = try Setup(topic: referenceTopic)
        defer { try? FileManager.default.removeItem(atPath: referenceSetup.folder) }
        let seeded = try await TestProcess.run(
            sluice,
            [
                "produce-demo", "--topic", referenceTopic, "--events", "8000", "--span", "4h", "--seed", "3",
                "--labels-topic", referenceTopic + ".labels",
            ])
        #expect(seeded.status == 0, "\(seeded.output)")
        let reference = referenceSetup.folder + "/reference.parquet"
        let written = try await TestProcess.run(
            sluice,
            [
                "drift", "reference", "--topology", referenceSetup.topology, "--from", "0", "--to", "9999999999999",
                "--out", reference,
            ])
        #expect(written.status == 0, "\(written.output)")

        // Two monitors in one group wait on an empty topic until both have partitions.
        let topic = try await KafkaTestSupport.makeTopic("drift-split", partitions: 4)
        let setup = try Setup(topic: topic)
        defer { try? FileManager.default.removeItem(atPath: setup.folder) }
        let group = TestServices.uniqueName("drift-two")
        let logs = [setup.folder + "/first.log", setup.folder + "/second.log"]
        let first = try TestProcess(
            sluice, Self.runArguments(setup, reference: reference, group: group, extra: ["--idle-timeout", "5s"]),
            logFile: logs[0])
        defer { first.stop() }
        try await Self.waitForLog(logs[0], "drift monitor: partitions assigned")
        let second = try TestProcess(
            sluice, Self.runArguments(setup, reference: reference, group: group, extra: ["--idle-timeout", "5s"]),
            logFile: logs[1])
        defer { second.stop() }
        try await Self.waitForLog(logs[1], "drift monitor: partitions assigned")
        try await Self.waitForLog(logs[0], "drift monitor: partitions assigned", count: 2)

        let produced = try await TestProcess.run(
            sluice,
            [
                "produce-demo", "--topic", topic, "--events", "24000", "--span", "12h", "--drift-at", "+8h", "--seed",
                "5",
                "--labels-topic", topic + ".labels",
            ])
        #expect(produced.status == 0, "\(produced.output)")

        // One process over the same topic, afterwards, in a group of its own.
        let alone = TestServices.uniqueName("drift-alone")
        let run = try await TestProcess.run(
            sluice,
            Self.runArguments(
                setup, reference: reference, group: alone, extra: ["--idle-timeout", "5s", "--until-idle"]))
        #expect(run.status == 0, "\(run.output)")
        let expected = try await Self.records(alone + ".out")
        #expect(expected.count >= 11 * 5, "\(expected.count) records")

        var merged: [String: [String: Any]] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while merged.count < expected.count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            merged = try await Self.records(group + ".out")
        }
        first.stop()
        second.stop()
        #expect(Set(merged.keys) == Set(expected.keys))
        for (key, record) in expected {
            #expect(merged[key].map(Self.content) == Self.content(record), "\(key)")
        }
        #expect(expected.values.contains { $0["drifted"] as? Bool == true }, "the shift after 8 h shows")
        // Both processes read partitions of the topic, and one of them merged.
        let texts = logs.map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }
        let assignments = texts.map { text in
            text.split(separator: "\n").last { $0.contains("drift monitor: partitions assigned") }.map(String.init)
                ?? ""
        }
        let shares = assignments.map { $0.components(separatedBy: "\(topic)[").count - 1 }
        #expect(shares.allSatisfy { $0 >= 1 } && shares.reduce(0, +) == 4, "\(assignments)")
        #expect(texts.filter { $0.contains("this process merges the windows") }.count >= 1)
    }

    @Test("killed mid-run and restarted, the monitor publishes the same windows as a run without interruption")
    func killedAndRestarted() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let topic = TestServices.uniqueName("drift-crash")
        let setup = try Setup(topic: topic)
        defer { try? FileManager.default.removeItem(atPath: setup.folder) }
        let produced = try await TestProcess.run(
            sluice,
            [
                "produce-demo", "--topic", topic, "--events", "80000", "--span", "40h", "--drift-at", "+30h", "--seed",
                "13", "--labels-topic", topic + ".labels",
            ])
        #expect(produced.status == 0, "\(produced.output)")
        let reference = setup.folder + "/reference.parquet"
        let written = try await TestProcess.run(
            sluice,
            [
                "drift", "reference", "--topology", setup.topology, "--from", "0", "--to",
                String(Int64(Date().timeIntervalSince1970 * 1000) - 36 * Self.hour), "--out", reference,
            ])
        #expect(written.status == 0, "\(written.output)")

        let uninterrupted = TestServices.uniqueName("drift-whole")
        let whole = try await TestProcess.run(
            sluice, Self.runArguments(setup, reference: reference, group: uninterrupted, extra: ["--until-idle"]))
        #expect(whole.status == 0, "\(whole.output)")
        let expected = try await Self.records(uninterrupted + ".out")
        #expect(expected.count >= 39 * 5)

        // SIGKILL once some windows are out, then a second run in the same group to the end. On a
        // fast, idle machine the first run may finish everything before the kill: then again, in a
        // fresh group, killed sooner.
        var group = ""
        var log = ""
        var killedAt = 0
        for delay in [1_200, 300, 0] {
            group = TestServices.uniqueName("drift-killed")
            log = setup.folder + "/first-\(delay).log"
            let first = try TestProcess(
                sluice, Self.runArguments(setup, reference: reference, group: group), logFile: log)
            try await Self.waitForLog(log, "drift monitor: partitions assigned")
            try await Task.sleep(for: .milliseconds(delay))
            first.send(SIGKILL)
            _ = try await first.waitForExit(timeout: .seconds(10))
            killedAt = try await Self.records(group + ".out").count
            print(
                "drift run killed \(delay) ms after its assignment, after \(killedAt) of \(expected.count) column windows"
            )
            if killedAt < expected.count { break }
        }
        #expect(killedAt < expected.count, "killed before the end")
        #expect(!(try String(contentsOfFile: log, encoding: .utf8)).contains("incomplete"))
        let second = try await TestProcess.run(
            sluice, Self.runArguments(setup, reference: reference, group: group, extra: ["--until-idle"]))
        #expect(second.status == 0 && !second.output.contains("incomplete"), "\(second.output)")
        let records = try await Self.records(group + ".out")
        #expect(Set(records.keys) == Set(expected.keys))
        for (key, record) in expected {
            #expect(records[key].map(Self.content) == Self.content(record), "\(key)")
        }
    }

    @Test("stopped and started again as new events arrive, the monitor publishes the windows open at its stop whole")
    func restartedWithNewEvents() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let topic = TestServices.uniqueName("drift-restart")
        let setup = try Setup(topic: topic)
        defer { try? FileManager.default.removeItem(atPath: setup.folder) }
        // Payments in event-time order per partition, 50 ms apart, in 1-minute windows.
        let topicCreated = try await KafkaAdmin(configuration: TestServices.kafkaClient)
        try await topicCreated.createTopic(topic, partitions: 4)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        var random = SeededRandom(seed: 29)
        let start: Int64 = 1_796_000_040_000  // a whole minute
        func produce(_ range: Range<Int>) async throws {
            for index in range {
                let amount = (random.unit() * 200 + (index >= 15_000 ? 150 : 10)).rounded()
                let country = ["FR", "DE", "ES", "IT"][random.below(4)]
                let json = """
                    {"txn_id":"t\(index)","card_id":"c\(random.below(500))","merchant_id":"m\(random.below(50))",\
                    "device_id":"d\(random.below(400))","amount":\(amount),"currency":"EUR","country":"\(country)",\
                    "mcc":\(5411 + random.below(3)),"channel":"pos","ts":\(start + Int64(index) * 50)}
                    """
                try producer.enqueue(
                    KafkaProducerMessage(topic: topic, partition: Int32(index % 4), key: nil, value: Array(json.utf8)))
            }
            try await producer.flush()
        }
        try await produce(0..<12_000)
        let reference = setup.folder + "/reference.parquet"
        let written = try await TestProcess.run(
            sluice,
            [
                "drift", "reference", "--topology", setup.topology, "--from", "0", "--to",
                String(start + 3 * 60_000), "--out", reference,
            ])
        #expect(written.status == 0, "\(written.output)")
        let window = ["--window", "1m", "--allowed-lateness", "5s"]
        let group = TestServices.uniqueName("drift-restarted")
        let first = try await TestProcess.run(
            sluice, Self.runArguments(setup, reference: reference, group: group, extra: window + ["--until-idle"]))
        #expect(first.status == 0, "\(first.output)")
        let before = try await Self.records(group + ".out")
        #expect(before.count == 9 * 5, "windows 0 to 8 closed, 9 open: \(before.count)")

        // Later payments close the window that was open at the stop, and more.
        try await produce(12_000..<20_000)
        let second = try await TestProcess.run(
            sluice, Self.runArguments(setup, reference: reference, group: group, extra: window + ["--until-idle"]))
        #expect(second.status == 0 && !second.output.contains("incomplete"), "\(second.output)")
        let records = try await Self.records(group + ".out")

        let whole = TestServices.uniqueName("drift-unstopped")
        let uninterrupted = try await TestProcess.run(
            sluice, Self.runArguments(setup, reference: reference, group: whole, extra: window + ["--until-idle"]))
        #expect(uninterrupted.status == 0, "\(uninterrupted.output)")
        let expected = try await Self.records(whole + ".out")
        #expect(expected.count == 16 * 5, "windows 0 to 15 closed: \(expected.count)")
        #expect(expected.values.contains { $0["drifted"] as? Bool == true }, "larger amounts from minute 12.5")
        #expect(Set(records.keys) == Set(expected.keys))
        for (key, record) in expected {
            #expect(records[key].map(Self.content) == Self.content(record), "\(key)")
        }
    }
}

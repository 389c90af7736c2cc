import Foundation
import Logging
import SluiceCore
import SluiceDelta
import SluiceDemo
import SluiceKafka
import SluiceKafkaTesting
import SluiceOffline
import SluiceParquet
import SluiceRuntime
import SluiceStreamingTesting
import SluiceTesting
import Testing

/// Replay, skew verification and labeled training sets, against the real broker and Redis.
@Suite("Offline store: replay, skew, training sets", .serialized, .timeLimit(.minutes(8)))
struct OfflineStoreTests {
    static let logger: Logger = {
        var logger = Logger(label: "test.offline")
        logger.logLevel = .warning
        return logger
    }()

    static func replay(_ compiled: CompiledTopology, into folder: String, start: ReplayConfiguration.Start = .beginning)
        async throws
        -> ReplaySummary
    {
        var configuration = ReplayConfiguration(
            connection: ConnectionSettings(brokers: TestServices.brokers, redisURL: TestServices.redisURL),
            output: FeatureLogOptions(directory: folder))
        configuration.start = start
        configuration.progressInterval = nil
        return try await Replay(compiled: compiled, configuration: configuration, logger: logger).run()
    }

    static func temporaryFolder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        ).path
    }

    /// 100k demo events on one partition, the feature log the engine wrote for them and a
    /// replay of the topic; made once, by the first test that asks for it. One partition: every
    /// view's entities then see one order of events, online and offline (with several, views
    /// keyed by other fields than the topic's key depend on how the partitions interleaved;
    /// docs/offline.md). Its folders stay under the test run's temporary directory.
    struct SkewRun: Sendable {
        let topic: String
        let name: String
        let compiled: CompiledTopology
        let online: String
        let replayed: String
        let replay: ReplaySummary

        static func make() async throws -> SkewRun {
            let topic = TestServices.uniqueName("skew")
            let name = "skew_" + String(topic.suffix(8))
            let (_, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
            _ = try await EngineTestSupport.produceDemo(
                topic: topic, events: 100_000, seed: 5, malformed: 0.005, partitions: 1)
            let online = OfflineStoreTests.temporaryFolder("online")
            let replayed = OfflineStoreTests.temporaryFolder("replay-a")
            var options = FeatureLogOptions(directory: online)
            options.rollRows = 30_000
            try await EngineTestSupport.runUntilEnd(compiled, offlineLog: options)
            let replay = try await OfflineStoreTests.replay(compiled, into: replayed)
            try EngineTestSupport.clearState(topologyName: name)
            return SkewRun(
                topic: topic, name: name, compiled: compiled, online: online, replayed: replayed, replay: replay)
        }
    }

    actor SharedSkewRun {
        static let shared = SharedSkewRun()
        private var run: Task<SkewRun, any Error>?

        func get() async throws -> SkewRun {
            if let run { return try await run.value }
            let started = Task { try await SkewRun.make() }
            run = started
            return try await started.value
        }
    }

    @Test("100k demo events: the engine's feature log and a replay agree on every feature of every row")
    func noSkew() async throws {
        let run = try await SharedSkewRun.shared.get()
        let served = try FeatureLogTable.read(directory: run.online, topology: run.name)
        let rebuilt = try FeatureLogTable.read(directory: run.replayed, topology: run.name)
        #expect(served.count > 95_000)
        #expect(rebuilt.count == run.replay.rows)
        let report = try SkewVerifier.compare(served: served, offline: rebuilt, sample: nil)
        #expect(report.sampled == served.count)
        #expect(report.missingOffline == 0 && report.missingServed == 0)
        #expect(
            report.totalMismatches == 0,
            "\(report.features.filter { $0.mismatches > 0 }.map { "\($0.name): \($0.mismatches)" })")
        #expect(report.features.allSatisfy { $0.compared == served.count })
    }

    @Test("replay rejects the events beyond the allowed lateness, as the engine does")
    func replayRejectsLateEvents() async throws {
        let run = try await SharedSkewRun.shared.get()
        #expect(
            (run.replay.rejected[.late] ?? 0) > 0,
            "the demo's out-of-order events should include some beyond the lateness")
    }

    @Test("two replays of the same range write the same rows")
    func replaysAreRepeatable() async throws {
        let run = try await SharedSkewRun.shared.get()
        let second = Self.temporaryFolder("replay-b")
        defer { try? FileManager.default.removeItem(atPath: second) }
        _ = try await Self.replay(run.compiled, into: second)
        let again = try SkewVerifier.compare(
            served: try FeatureLogTable.read(directory: run.replayed, topology: run.name),
            offline: try FeatureLogTable.read(directory: second, topology: run.name), sample: nil)
        #expect(again.totalMismatches == 0 && again.missingServed == 0 && again.missingOffline == 0)
    }

    @Test("sluice verify-skew exits 0 with 'no skew' for logs that agree")
    func verifySkewClean() async throws {
        let run = try await SharedSkewRun.shared.get()
        let topologyPath = try EngineTestSupport.fraudTopology(name: run.name, topic: run.topic).path
        let clean = try await TestProcess.run(
            try TestProcess.sluiceExecutable(),
            [
                "verify-skew", "--topology", topologyPath, "--online", run.online, "--offline", run.replayed,
                "--sample", "5000",
            ])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains("no skew"))
    }

    @Test("sluice verify-skew exits 1 and names the skewed features against a replay started mid-topic")
    func verifySkewFindsSkew() async throws {
        let run = try await SharedSkewRun.shared.get()
        let topologyPath = try EngineTestSupport.fraudTopology(name: run.name, topic: run.topic).path
        // A replay from the middle has no history: its windows must differ.
        let partial = Self.temporaryFolder("replay-partial")
        defer { try? FileManager.default.removeItem(atPath: partial) }
        _ = try await Self.replay(run.compiled, into: partial, start: .offset(50_000))
        let skewed = try await TestProcess.run(
            try TestProcess.sluiceExecutable(),
            ["verify-skew", "--topology", topologyPath, "--online", run.online, "--offline", partial])
        #expect(skewed.status == 1, "\(skewed.output)")
        #expect(skewed.output.contains("card__txn_count_24h") && skewed.output.contains("have no offline row"))
    }

    @Test("training set: every row kept, a label counts only if known at --as-of and within the delay")
    func trainingSet() async throws {
        let topic = TestServices.uniqueName("train")
        let labelsTopic = topic + ".labels"
        let name = "train_" + String(topic.suffix(8))
        let (path, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var demo = DemoGenerator.Options(events: 5_000, startTime: now - 3 * 86_400_000, span: 3 * 86_400_000)
        demo.seed = 9
        demo.cards = 300
        let produced = try await DemoProducer.run(
            options: demo, rate: nil, topic: topic, labelsTopic: labelsTopic, partitions: 2,
            client: TestServices.kafkaClient,
            logger: Self.logger)
        #expect(produced.labels > 100)
        // A label that is not JSON, and a second, later label for one event (a correction).
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        try await producer.send(KafkaProducerMessage(topic: labelsTopic, value: Array("not json".utf8)))
        try await producer.send(
            KafkaProducerMessage(
                topic: labelsTopic, value: Array("{\"txn_id\":\"tx-9-10\",\"label\":1,\"ts\":\(now - 86_400_000)}".utf8)
            ))
        await producer.close()

        let folder = Self.temporaryFolder("train-log")
        let outFolder = Self.temporaryFolder("train-out")
        defer { for item in [folder, outFolder] { try? FileManager.default.removeItem(atPath: item) } }
        try FileManager.default.createDirectory(atPath: outFolder, withIntermediateDirectories: true)
        _ = try await Self.replay(compiled, into: folder)
        let asOf = now - 86_400_000 / 2
        let out = outFolder + "/train.parquet"
        let result = try await TestProcess.run(
            try TestProcess.sluiceExecutable(),
            [
                "training-set", "--topology", path, "--features", folder, "--labels-topic", labelsTopic, "--out", out,
                "--as-of", String(asOf), "--label-delay-max", "2d", "--brokers", TestServices.brokers,
            ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("(1 invalid)"))

        // Expected, straight from the labels topic.
        let labelMessages = try await KafkaTestSupport.readAll(topic: labelsTopic, partitions: 1)
        var labels: [String: [(value: Int, time: Int64)]] = [:]
        for message in labelMessages {
            guard let object = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any],
                let id = object["txn_id"] as? String, let value = object["label"] as? Int,
                let time = (object["ts"] as? NSNumber)?.int64Value
            else { continue }
            labels[id, default: []].append((value, time))
        }
        let log = try FeatureLogTable.read(directory: folder, topology: name)
        let dump = try await FeatureLogDump.read(outFolder)
        #expect(dump.rows.count == log.count, "every feature row must be in the training set")
        let idColumn = try dump.column("event_id")
        let timeColumn = try dump.column("event_time")
        let labelColumn = try dump.column("label")
        let statusColumn = try dump.column("label_status")
        var statuses: [String: Int] = [:]
        for row in dump.rows {
            let id = row[idColumn]!
            let eventTime = Int64(row[timeColumn]!)!
            let counted = (labels[id] ?? []).filter { $0.time <= asOf && $0.time - eventTime <= 2 * 86_400_000 }
            let expected = counted.max { $0.time < $1.time }
            let status = expected != nil ? "labeled" : (eventTime + 2 * 86_400_000 > asOf ? "unlabeled" : "expired")
            #expect(row[statusColumn] == status, "\(id): \(row[statusColumn] ?? "nil") vs \(status)")
            #expect(row[labelColumn] == expected.map { String($0.value) }, "\(id): label \(row[labelColumn] ?? "nil")")
            statuses[status, default: 0] += 1
        }
        #expect(statuses.count == 3, "the data should hold labeled, unlabeled and expired rows: \(statuses)")
        // The correction arrived later than the original label but before --as-of: it wins.
        let corrected = try #require(dump.rows.first { $0[idColumn] == "tx-9-10" })
        let eventTime = Int64(corrected[timeColumn]!)!
        #expect(
            now - 86_400_000 - eventTime <= 2 * 86_400_000,
            "the correction must fall within the label delay for this check")
        #expect(corrected[labelColumn] == "1")
        #expect(corrected[statusColumn] == "labeled")
    }

    @Test(
        "time travel: a version reads as delta-rs's load_as_version does; a training set from it records it and rebuilds to the byte"
    )
    func timeTravel() async throws {
        let run = try await SharedSkewRun.shared.get()
        let table = DeltaTable(path: run.online + "/" + run.name)
        let versions = try table.versions()
        // Version 0 creates the table; rolls of about 30,000 rows commit the 100k events, one version each.
        #expect(versions.count >= 4 && versions == Array(0...Int64(versions.count - 1)), "\(versions)")
        let labelsTopic = try await KafkaTestSupport.makeTopic("time-travel-labels")
        let folder = Self.temporaryFolder("time-travel")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (path, _) = try EngineTestSupport.fraudTopology(name: run.name, topic: run.topic)
        func trainingSet(_ out: String, _ choice: [String]) async throws -> String {
            let result = try await TestProcess.run(
                try TestProcess.sluiceExecutable(),
                [
                    "training-set", "--topology", path, "--features", run.online, "--labels-topic", labelsTopic,
                    "--out", out, "--as-of", "1796000000000", "--brokers", TestServices.brokers,
                ] + choice)
            #expect(result.status == 0, "\(result.output)")
            return result.output
        }
        let first = folder + "/v2-a.parquet"
        let second = folder + "/v2-b.parquet"
        let printed = try await trainingSet(first, ["--table-version", "2"])
        #expect(printed.contains("feature log table version 2"), "\(printed)")
        _ = try await trainingSet(second, ["--table-version", "2"])
        let asOf = try table.commitTime(of: 2)
        let byTime = folder + "/as-of.parquet"
        _ = try await trainingSet(byTime, ["--table-as-of", String(asOf)])

        struct Digest: Decodable {
            struct Rows: Decodable {
                var rows: Int
                var digest: String
                var sha256: String?
                var version: String?
            }
            var table: Rows
            var files: [Rows]
        }
        let digest = try await PythonTools.runJSON(
            "delta_reference.py", ["digest", table.path, "2", first, second, byTime], as: Digest.self)
        #expect(digest.table.rows >= 60_000, "two rolls of 30,000 rows or more")
        let fromSluice = try FeatureLogTable.read(directory: run.online, topology: run.name, snapshot: .version(2))
        #expect(fromSluice.count == digest.table.rows, "Sluice and delta-rs read version 2 alike")
        for file in digest.files {
            #expect(file.rows == digest.table.rows && file.digest == digest.table.digest && file.version == "2")
        }
        #expect(digest.files[0].sha256 == digest.files[1].sha256, "the same version rebuilds the same bytes")
        let newest = try FeatureLogTable.read(directory: run.online, topology: run.name)
        #expect(newest.count > fromSluice.count)
        let bad = try await TestProcess.run(
            try TestProcess.sluiceExecutable(),
            [
                "training-set", "--topology", path, "--features", run.online, "--labels-topic", labelsTopic, "--out",
                folder + "/bad.parquet", "--table-version", "99", "--brokers", TestServices.brokers,
            ])
        #expect(bad.status == 1 && bad.output.contains("there is no version 99"), "\(bad.output)")

        // History: a line per version; the rows the commits added are the table's rows.
        let sluice = try TestProcess.sluiceExecutable()
        let history = try await TestProcess.run(sluice, ["offline", "history", run.online, "--json"])
        #expect(history.status == 0, "\(history.output)")
        let entries = history.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(entries.count == versions.count && entries.first?["operation"] as? String == "CREATE TABLE")
        #expect(entries.reduce(0) { $0 + ($1["rows_added"] as? Int ?? 0) } == newest.count)
        #expect(entries.dropFirst().allSatisfy { $0["operation"] as? String == "WRITE" })
        // Check: consistent as written; a missing file and a file of another size are named.
        let checked = try await TestProcess.run(sluice, ["offline", "check", table.path])
        #expect(checked.status == 0 && checked.output.contains("all consistent"), "\(checked.output)")
        let copy = folder + "/copy"
        try FileManager.default.copyItem(atPath: table.path, toPath: copy)
        let files = try DeltaTable(path: copy).snapshot().files.keys.sorted()
        try FileManager.default.removeItem(atPath: copy + "/" + files[0])
        try Data("PAR1".utf8).write(to: URL(fileURLWithPath: copy + "/" + files[1]))
        let damaged = try await TestProcess.run(sluice, ["offline", "check", copy])
        #expect(damaged.status == 1, "\(damaged.output)")
        #expect(damaged.output.contains("\(files[0]): in the table") && damaged.output.contains("\(files[1]): 4 bytes"))

        // Compaction: one commit rewrites the rolls into a file per date; the rows, the checks and
        // the older versions stay as they were.
        let compacted = folder + "/compacted"
        try FileManager.default.copyItem(atPath: table.path, toPath: compacted)
        let before = try DeltaTable(path: compacted).snapshot()
        let compaction = try await TestProcess.run(sluice, ["offline", "compact", compacted])
        #expect(compaction.status == 0, "\(compaction.output)")
        print("offline compact: \(compaction.output)")
        let after = try DeltaTable(path: compacted).snapshot()
        let dates = Set(before.files.values.compactMap { $0.partitionValues["date"] ?? nil })
        #expect(after.version == before.version + 1 && after.files.count == dates.count, "\(compaction.output)")
        #expect(after.rowCount == before.rowCount && after.transactions == before.transactions)
        #expect(compaction.output.contains("\(before.files.count) files rewritten into \(dates.count)"))
        let recheck = try await TestProcess.run(sluice, ["offline", "check", compacted])
        #expect(recheck.status == 0 && recheck.output.contains("all consistent"), "\(recheck.output)")
        let newestDigest = try await PythonTools.runJSON(
            "delta_reference.py", ["digest", compacted, String(after.version)], as: Digest.self)
        let beforeDigest = try await PythonTools.runJSON(
            "delta_reference.py", ["digest", compacted, String(before.version)], as: Digest.self)
        #expect(newestDigest.table.digest == beforeDigest.table.digest && newestDigest.table.rows == newest.count)
        let compactedHistory = try await TestProcess.run(sluice, ["offline", "history", compacted])
        #expect(compactedHistory.output.split(separator: "\n").last?.contains("OPTIMIZE") == true)
        let again = try await TestProcess.run(sluice, ["offline", "compact", compacted])
        #expect(again.output.contains("nothing to compact"), "\(again.output)")
    }

    @Test("a log written before and after a topology change gives the union of its columns, with nulls")
    func trainingSetAcrossTopologyVersions() throws {
        let folder = Self.temporaryFolder("versions")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dateFolder = folder + "/fraud/date=2026-11-27"
        try FileManager.default.createDirectory(atPath: dateFolder, withIntermediateDirectories: true)
        let base = [
            ParquetField("event_id", .string, optional: false),
            ParquetField("event_time", .timestampMillis, optional: false),
            ParquetField("kafka_partition", .int32, optional: false),
            ParquetField("kafka_offset", .int64, optional: false),
        ]
        for (file, features, offset) in [
            ("part-t-0-0-0.parquet", ["card__a"], Int64(0)),
            ("part-t-0-1-1.parquet", ["card__a", "card__b"], Int64(1)),
        ] {
            let writer = try ParquetWriter(
                path: "\(dateFolder)/\(file)", schema: base + features.map { ParquetField($0, .double) })
            try writer.append("tx-\(offset)")
            try writer.append(Int64(1_795_000_000_000))
            try writer.append(Int32(0))
            try writer.append(offset)
            for index in features.indices { try writer.append(Double(index + 1)) }
            try writer.endRow()
            try writer.close()
        }
        let out = folder + "/train.parquet"
        let summary = try TrainingSetBuilder.build(
            TrainingSetConfiguration(
                featuresDirectory: folder, topologyName: "fraud", output: out, asOf: 1_795_000_100_000),
            labels: LabelBook())
        #expect(summary.rows == 2 && summary.unlabeled == 2)
        let table = try ParquetReader.read(path: out)
        #expect(
            table.fields.map(\.name) == [
                "event_id", "event_time", "kafka_partition", "kafka_offset", "card__a", "card__b", "label",
                "label_time", "label_status",
            ])
        #expect(table.column(named: "card__b") == .doubles([nil, 2]))
        #expect(table.column(named: "card__a") == .doubles([1, 1]))
    }

    @Test("replay warms up over the longest window, its tile and the allowed lateness before a --from time")
    func warmUpSpan() throws {
        let (_, compiled) = try EngineTestSupport.fraudTopology(name: "warmup", topic: "warmup")
        let configuration = ReplayConfiguration(
            connection: ConnectionSettings(brokers: TestServices.brokers, redisURL: TestServices.redisURL),
            output: FeatureLogOptions(directory: Self.temporaryFolder("warmup")))
        let replay = Replay(compiled: compiled, configuration: configuration, logger: Self.logger)
        #expect(replay.warmUp == 24 * 3_600_000 + 3_600_000 + 2 * 60_000)
    }
}

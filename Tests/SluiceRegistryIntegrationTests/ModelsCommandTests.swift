import Foundation
import SluiceCore
import SluiceKafkaTesting
import SluiceRegistry
import SluiceTesting
import Testing

/// `sluice models` and `sluice features` as users run them, on a SQLite registry in a fresh folder.
@Suite("sluice models and features", .timeLimit(.minutes(6)))
struct ModelsCommandTests {
    struct Workspace {
        let folder: String
        /// The workspace's registry; its changes stay off the shared broker's feed topic.
        var registry: [String] { store + ["--no-publish"] }
        /// The registry for commands that only read it (`sluice score`).
        var store: [String] { ["--registry", folder + "/registry.sqlite", "--artifacts", folder + "/artifacts"] }

        init() throws {
            folder =
                FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("models")).path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }

        @discardableResult
        func sluice(
            _ arguments: [String], expect status: Int32 = 0, registry: Bool = true,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> String {
            let result = try await TestProcess.run(
                try TestProcess.sluiceExecutable(), arguments + (registry ? self.registry : []))
            #expect(
                result.status == status, "sluice \(arguments.joined(separator: " ")):\n\(result.output)",
                sourceLocation: sourceLocation)
            return result.output
        }

        func versions(_ model: String) async throws -> [ModelVersion] {
            let result = try await TestProcess.run(
                try TestProcess.sluiceExecutable(), ["models", "show", model, "--json"] + registry)
            guard result.status == 0 else { return [] }
            struct Shown: Decodable { var versions: [ModelVersion] }
            return try JSONDecoder().decode(Shown.self, from: Data(result.output.utf8)).versions
        }
    }

    /// Waits until `file` holds `text`.
    static func waitForLog(_ file: String, _ text: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").contains(text) { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure(
            "\(file) did not log '\(text)' within \(timeout):\n\((try? String(contentsOfFile: file, encoding: .utf8)) ?? "")"
        )
    }

    struct Profile: Decodable {
        struct Partition: Decodable, Equatable {
            var partition: Int32
            var firstOffset: Int64
            var lastOffset: Int64
            var rows: Int
        }
        var rows, labeled, positives, unlabeled, expired: Int
        var partitions: [Partition]
        var firstEventTime, lastEventTime: Int64
        var sha256: String
        var bytes: Int64
        var metadata: [String: String]
    }

    @Test("A version registered from a real training set records the lineage pyarrow computes")
    func lineageFromTrainingSet() async throws {
        let work = try Workspace()
        let topic = TestServices.uniqueName("lineage")
        let name = "lineage_" + String(topic.suffix(8))
        var text = try String(contentsOfFile: TestRepository.path("topologies/fraud.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "name: fraud", with: "name: \(name)")
            .replacingOccurrences(of: "topic: transactions\n", with: "topic: \(topic)\n")
        let topology = work.folder + "/topology.yaml"
        try text.write(toFile: topology, atomically: true, encoding: .utf8)
        let kafka = ["--brokers", TestServices.brokers]
        try await work.sluice(
            [
                "produce-demo", "--events", "6000", "--seed", "3", "--topic", topic, "--labels-topic",
                topic + ".labels",
                "--partitions", "2", "--span", "10d",
            ] + kafka, registry: false)
        try await work.sluice(
            ["replay", "--topology", topology, "--out", work.folder + "/log", "--quiet"] + kafka, registry: false)
        let set = work.folder + "/set.parquet"
        try await work.sluice(
            [
                "training-set", "--topology", topology, "--features", work.folder + "/log", "--labels-topic",
                topic + ".labels", "--out", set,
            ] + kafka, registry: false)
        let model = work.folder + "/model.json"
        let columns = [
            "card__txn_count_1h", "card__amount_to_avg_24h", "merchant__txn_count_1h", "device__distinct_cards_24h",
        ]
        _ = try await PythonTools.run(
            "train_xgboost.py",
            ["--out", model, "--training-set", set, "--features", columns.joined(separator: ","), "--trees", "15"])
        let applied = try await work.sluice(["features", "apply", topology])
        #expect(applied.contains("applied \(name) version 1"))

        let output = try await work.sluice(
            [
                "models", "register", "lineage-model", "--artifact", model, "--training-set", set, "--metric",
                "auc=0.91",
                "--tag", "team=risk", "--actor", "ana", "--json",
            ])
        let version = try JSONDecoder().decode(ModelVersion.self, from: Data(output.utf8))
        let expected = try await PythonTools.runJSON("training_set_profile.py", [set], as: Profile.self)
        let lineage = try #require(version.lineage.trainingSet)
        #expect(version.version == 1 && version.signature == columns && version.registeredBy == "ana")
        #expect(version.metrics == ["auc": 0.91] && version.tags == ["team": "risk"])
        #expect(lineage.rows == expected.rows && lineage.labeled == expected.labeled)
        #expect(lineage.positives == expected.positives && expected.positives > 0)
        #expect(lineage.unlabeled == expected.unlabeled && lineage.expired == expected.expired)
        #expect(lineage.sha256 == expected.sha256 && lineage.bytes == expected.bytes)
        #expect(
            lineage.firstEventTime == expected.firstEventTime && lineage.lastEventTime == expected.lastEventTime)
        #expect(lineage.partitions.count == 2)
        #expect(
            lineage.partitions.map {
                Profile.Partition(
                    partition: $0.partition, firstOffset: $0.firstOffset, lastOffset: $0.lastOffset, rows: $0.rows)
            } == expected.partitions)
        #expect(lineage.topic == topic)
        #expect(lineage.labelsAsOf.map(String.init) == expected.metadata["sluice.labels.as_of"])
        #expect(lineage.topologyName == name)
        #expect(lineage.topologyHash == expected.metadata["sluice.topology.hash"])
        #expect(version.lineage.topology?.contentHash == lineage.topologyHash, "the training set's topology version")
        let stored = try Data(contentsOf: URL(fileURLWithPath: work.folder + "/artifacts/" + version.artifact.sha256))
        #expect(stored == (try Data(contentsOf: URL(fileURLWithPath: model))))
        let shown = try await work.sluice(["models", "show", "lineage-model/1"])
        #expect(shown.contains("topic \(topic), offsets 0:"))
        // The replay wrote a Delta table: the lineage names the snapshot the rows came from.
        let tableVersion = try #require(lineage.tableVersion)
        #expect(lineage.tablePath?.hasSuffix("/log/\(name)") == true && lineage.tableID?.count == 36)
        #expect(
            shown.contains("version \(tableVersion) (id \(lineage.tableID ?? "")): --table-version \(tableVersion)"),
            "\(shown)")

        // The registered model scores its training set as xgboost does.
        let scored = work.folder + "/scored.parquet"
        let summary = try await work.sluice(
            ["score", "--model", "lineage-model/1", "--input", set, "--out", scored] + work.store, registry: false)
        #expect(summary.contains("scored \(expected.rows) rows") && summary.contains("ROC-AUC"), "\(summary)")
        struct Check: Decodable {
            var rows: Int
            var maxDifference: Double
            var sameIds: Bool
            var columns: [String]
        }
        let check = try await PythonTools.runJSON(
            "check_scores.py", [model, set, scored, columns.joined(separator: ",")], as: Check.self)
        #expect(check.rows == expected.rows && check.sameIds)
        #expect(check.maxDifference <= 1e-6, "sluice score vs xgboost predict: \(check.maxDifference)")
        #expect(check.columns == ["event_id", "label", "label_time", "label_status", "score"])
        // The live drift monitor takes the aliased version's training set as its reference and
        // follows the alias when it moves.
        let copy = work.folder + "/set-copy.parquet"
        try FileManager.default.copyItem(atPath: set, toPath: copy)
        try await work.sluice(["models", "register", "lineage-model", "--artifact", model, "--training-set", copy])
        try await work.sluice(["models", "alias", "lineage-model", "champion", "1"])
        let predictions = try await KafkaTestSupport.makeTopic("drift-follow", partitions: 1)
        let log = work.folder + "/drift.log"
        let group = TestServices.uniqueName("drift-follow")
        let monitor = try TestProcess(
            try TestProcess.sluiceExecutable(),
            [
                "drift", "run", "--topology", topology, "--reference-model", "lineage-model@champion",
                "--follow-interval", "500ms", "--predictions-topic", predictions, "--group", group, "--parts-topic",
                group + ".parts", "--drift-topic", group + ".out", "--metrics-port", "0", "--quiet",
                // Concept drift too: the registry's validation metrics and the scored training set.
                "--labels-topic", topic + ".labels", "--concept-reference", scored,
            ] + kafka + work.store, logFile: log)
        defer { monitor.stop() }
        try await Self.waitForLog(log, "the training set of lineage-model version 1 (lineage-model@champion)")
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("path=\(set)"))
        try await Self.waitForLog(log, "this process judges concept drift")
        let judging = try String(contentsOfFile: log, encoding: .utf8)
        #expect(
            judging.contains("versions_with_metrics=1") && judging.contains("reference_deciles=true"), "\(judging)")
        try await work.sluice(["models", "alias", "lineage-model", "champion", "2"])
        try await Self.waitForLog(log, "lineage-model@champion moved from version 1 to 2; restarting the monitor")
        try await Self.waitForLog(log, "the training set of lineage-model version 2 (lineage-model@champion)")
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("path=\(copy)"))
        monitor.stop()
        // A version without a training set in its lineage cannot be a reference.
        try await work.sluice(["models", "register", "bare-model", "--artifact", model])
        let bare = try await work.sluice(
            [
                "drift", "run", "--topology", topology, "--reference-model", "bare-model/1", "--predictions-topic",
                predictions, "--metrics-port", "0",
            ] + kafka + work.store, expect: 1, registry: false)
        #expect(bare.contains("bare-model version 1 (bare-model/1) has no training set in its lineage"), "\(bare)")
    }

    @Test("Bad artifacts, columns, names and values register nothing and say why")
    func badInput() async throws {
        let work = try Workspace()
        try await work.sluice(["features", "apply", TestRepository.path("topologies/fraud.yaml")])
        let model = try await RegistryCLI.trainModel()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        let truncated = work.folder + "/truncated.json"
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: truncated))
        #expect(
            try await work.sluice(["models", "register", "m", "--artifact", truncated], expect: 1).contains("not JSON"))
        let foreign = work.folder + "/foreign.bin"
        try Data([0x50, 0x41, 0x52, 0x31, 0, 1, 2, 3]).write(to: URL(fileURLWithPath: foreign))
        #expect(
            try await work.sluice(["models", "register", "m", "--artifact", foreign], expect: 1).contains("not JSON"))
        await #expect(
            try work.sluice(["models", "register", "m", "--artifact", work.folder + "/missing.json"], expect: 1)
                .contains("cannot read"))

        let unnamed = try await RegistryCLI.trainModel(names: false)
        let unknown = try await work.sluice(
            [
                "models", "register", "m", "--artifact", unnamed, "--features",
                "card__txn_count_1h,card__nope,merchant__zip",
            ],
            expect: 1)
        #expect(unknown.contains("2 input columns are in no registered topology: card__nope, merchant__zip"))
        await #expect(
            try work.sluice(["models", "register", "m", "--artifact", unnamed], expect: 1).contains(
                "without feature names"))
        let disagree = try await work.sluice(
            [
                "models", "register", "m", "--artifact", model, "--features",
                "card__amount_sum_1h,card__txn_count_1h,merchant__txn_count_1h",
            ], expect: 1)
        #expect(disagree.contains("disagrees with the model's feature names at position 1"))
        await #expect(
            try work.sluice(["models", "register", "has space", "--artifact", model], expect: 1).contains(
                "model name 'has space'"))
        await #expect(
            try work.sluice(["models", "register", "m", "--artifact", model, "--metric", "auc=high"], expect: 64)
                .contains("not a finite number"))
        await #expect(
            try work.sluice(["models", "register", "m", "--artifact", model, "--tag", "team"], expect: 64).contains(
                "not KEY=VALUE"))
        #expect(try await work.sluice(["models", "list"]).contains("no models are registered"))
        #expect(
            try await work.sluice(["models", "history", "m"], expect: 1).contains("no model named m is registered"))

        try await work.sluice(["models", "register", "m", "--artifact", model])
        #expect(
            try await work.sluice(["models", "alias", "m", "champion", "7"], expect: 1).contains("has no version 7"))
        #expect(
            try await work.sluice(["models", "alias", "m", "1st", "1"], expect: 1).contains("must start with a letter"))
        #expect(try await work.sluice(["models", "resolve", "m"], expect: 64).contains("is not NAME@ALIAS"))
        let noAlias = try await work.sluice(
            ["score", "--model", "m@champion", "--input", model] + work.store, expect: 1, registry: false)
        #expect(noAlias.contains("has no alias champion"))
        let notParquet = try await work.sluice(
            ["score", "--model", "m/1", "--input", truncated] + work.store, expect: 1, registry: false)
        #expect(notParquet.contains("cannot read"))
        await #expect(
            try work.sluice(["models", "resolve", "m@champion", "--at", "yesterday"], expect: 64).contains(
                "neither epoch milliseconds"))
        #expect(try await work.versions("m").count == 1)
    }

    @Test("A registry that cannot be reached or is locked fails clearly, within its timeout")
    func unavailableStore() async throws {
        let work = try Workspace()
        let unreachable = try await TestProcess.run(
            try TestProcess.sluiceExecutable(),
            ["models", "list", "--registry", "postgres://sluice@127.0.0.1:\(TestServices.closedPort)/sluice"])
        #expect(unreachable.status == 1)
        #expect(
            unreachable.output.contains(
                "could not connect to the registry at postgres://127.0.0.1:\(TestServices.closedPort)/sluice"))
        try await work.sluice(["features", "apply", TestRepository.path("topologies/fraud.yaml")])
        let model = try await RegistryCLI.trainModel()
        try await work.sluice(["models", "register", "m", "--artifact", model])
        // Another process holds SQLite's write lock for longer than the 5 s busy timeout.
        let holder = try TestProcess(
            try PythonTools.python(),
            [
                "-c",
                "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(20)",
                work.folder + "/registry.sqlite",
            ])
        defer { holder.stop() }
        try await Task.sleep(for: .milliseconds(800))
        let clock = ContinuousClock()
        let started = clock.now
        let locked = try await work.sluice(["models", "alias", "m", "champion", "1"], expect: 1)
        #expect(locked.contains("another process holds its write lock"))
        #expect(clock.now - started < .seconds(15))
        await #expect(
            try work.sluice(["models", "show", "m/1"]).contains("m version 1: pending"),
            "reads go on under a write lock")
        holder.stop()
        try await work.sluice(["models", "alias", "m", "champion", "1"])
    }

    @Test("Killing register at random moments leaves each version whole or absent")
    func killedRegistrations() async throws {
        let work = try Workspace()
        try await work.sluice(["features", "apply", TestRepository.path("topologies/fraud.yaml")])
        let large = try await RegistryCLI.trainModel(trees: 250, depth: 8)
        var random = SeededRandom(seed: TestSeed.draw(for: "killed registrations"))
        var finished = 0
        let attempts = 16
        for _ in 0..<attempts {
            let process = try TestProcess(
                try TestProcess.sluiceExecutable(),
                ["models", "register", "killed", "--artifact", large] + work.registry)
            try await Task.sleep(for: .milliseconds(random.below(300)))
            process.send(SIGKILL)
            if try await process.waitForExit(timeout: .seconds(10)) == 0 { finished += 1 }
        }
        let versions = try await work.versions("killed")
        #expect(versions.map(\.version) == Array(stride(from: 1, through: versions.count, by: 1)))
        #expect(versions.count >= finished)
        let store = ArtifactStore(directory: work.folder + "/artifacts")
        for version in versions {
            #expect(version.signature == RegistryCLI.features)
            #expect(version.lineage.topology?.name == "fraud")
            #expect(throws: Never.self) { _ = try store.load(version.artifact) }
        }
        // Every kill may have come before the first artifact write made the folder (a loaded
        // machine starts processes slowly): then no version may exist either.
        let folder = work.folder + "/artifacts"
        let entries =
            FileManager.default.fileExists(atPath: folder)
            ? try FileManager.default.contentsOfDirectory(atPath: folder) : []
        #expect(!entries.isEmpty || versions.isEmpty)
        let leftovers = entries.filter { $0.count != 64 }
        #expect(leftovers.allSatisfy { $0.contains(".tmp-") }, "only temporary files of killed writes: \(leftovers)")
        print("killed registrations: \(versions.count) of \(attempts) committed, \(finished) finished before the kill")
    }
}

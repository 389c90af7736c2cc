import Foundation
import SluiceCore
import SluiceKafka
import SluiceKafkaTesting
import SluiceOnlineStore
import SluiceRedis
import SluiceRedisTesting
import SluiceRuntime
import SluiceStreaming
import SluiceStreamingTesting
import SluiceTesting
import Testing

/// `sluice run` as users run it, killed and restarted, and scaled out: the Redis state must be
/// the same as one uninterrupted run.
@Suite("Exactly-once effects across crashes and processes", .serialized, .timeLimit(.minutes(8)))
struct CrashRecoveryTests {
    static let events = 60_000

    static func sluice(
        _ topology: String, group: String, log: String, offlineDir: String? = nil, batchSize: Int? = nil,
        redisURL: String = TestServices.redisURL
    ) throws -> TestProcess {
        let offline = offlineDir.map { ["--offline-dir", $0, "--offline-roll-rows", "4000"] } ?? []
        let batches = batchSize.map { ["--batch-size", String($0)] } ?? []
        return try TestProcess(
            TestProcess.sluiceExecutable(),
            ["run", "--until-end", "--topology", topology, "--group", group, "--metrics-port", "0"] + offline + batches,
            environment: ["SLUICE_BROKERS": TestServices.brokers, "SLUICE_REDIS_URL": redisURL],
            logFile: log)
    }

    /// The sum of the partitions' stored next offsets, read from the offsets hash alone (quick
    /// enough to poll while a run writes).
    static func storedOffsets(_ offsetsKey: String, redis: any RedisCommandClient) throws -> Int64 {
        let items = try redis.command(["HGETALL", .string(offsetsKey)]).array ?? []
        return stride(from: 1, to: items.count, by: 2).compactMap { index in
            items[index].string.flatMap { Int64($0.split(separator: ":")[0]) }
        }.reduce(0, +)
    }

    /// Sends `signal` to `process` `delay` after the stored progress of `name` moves from `before`
    /// (at most 30 s). Watched from a thread of its own: in a full test run the task pool can be
    /// busy for seconds, long enough for a fast engine to finish before a task saw it start.
    static func interrupt(
        _ process: TestProcess, with signal: Int32, after delay: Duration, onceProgressLeaves before: Int64,
        of offsetsKey: String, redis configuration: RedisConfiguration
    ) async throws {
        let thread = Thread {
            let redis = try? RedisClients.connect(configuration)
            let deadline = ContinuousClock.now + .seconds(30)
            while let redis, (try? storedOffsets(offsetsKey, redis: redis)) == before, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.005)
            }
            Thread.sleep(
                forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
            process.send(signal)
        }
        thread.start()
        while !thread.isFinished { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// The topic, and one uninterrupted run of it with the feature log: what every interrupted or
    /// scaled-out run must equal. Made once, by the first test that asks for it.
    struct Reference: Sendable {
        let topic: String
        let suffix: String
        let logDirectory: String
        let state: [String: [String: [UInt8]]]

        static func make() async throws -> Reference {
            let topic = TestServices.uniqueName("crash")
            _ = try await EngineTestSupport.produceDemo(topic: topic, events: events, seed: 11, malformed: 0.005)
            let suffix = String(topic.suffix(8))
            let logDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-crash-\(suffix)")
                .path
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
            let reference = try EngineTestSupport.fraudTopology(name: "ref_\(suffix)", topic: topic)
            let whole = try sluice(
                reference.path, group: "ref-\(suffix)", log: "\(logDirectory)/reference.log",
                offlineDir: "\(logDirectory)/ref-offline")
            guard try await whole.waitForExit(timeout: .seconds(120)) == 0 else {
                throw TestFailure("the uninterrupted run failed; see \(logDirectory)/reference.log")
            }
            let state = try EngineTestSupport.dumpState(topologyName: "ref_\(suffix)")
            guard state.count > 1000 else { throw TestFailure("the uninterrupted run stored \(state.count) keys") }
            return Reference(topic: topic, suffix: suffix, logDirectory: logDirectory, state: state)
        }
    }

    /// A run interrupted with SIGTERM once and SIGKILL four times at random moments, restarted
    /// each time, then run to the end.
    struct Interrupted: Sendable {
        let name: String
        let state: [String: [String: [UInt8]]]
        /// Whether the SIGTERMed process exited 0.
        let exitedCleanlyOnSIGTERM: Bool
        /// The stored progress after each interruption.
        let partialProgress: [Int64]
        let seed: UInt64
    }

    actor Shared {
        static let shared = Shared()
        private var reference: Task<Reference, any Error>?
        private var withLog: Task<Interrupted, any Error>?

        func reference() async throws -> Reference {
            if let reference { return try await reference.value }
            let started = Task { try await Reference.make() }
            reference = started
            return try await started.value
        }

        /// The interrupted run with the feature log, shared by the tests of its state and its log.
        func interruptedWithLog() async throws -> Interrupted {
            if let withLog { return try await withLog.value }
            let reference = try await reference()
            let started = Task {
                try await CrashRecoveryTests.interrupted(
                    "kill_\(reference.suffix)", offlineDir: "\(reference.logDirectory)/kill-offline",
                    reference: reference)
            }
            withLog = started
            return try await started.value
        }
    }

    /// Runs `name`'s topology over the reference's topic, interrupting it five times (with a
    /// feature log, each batch is one transaction; without, entity writes and progress go apart:
    /// docs/storage.md).
    static func interrupted(
        _ name: String, offlineDir: String?, reference: Reference, redisURL: String = TestServices.redisURL
    ) async throws -> Interrupted {
        let configuration = try RedisConfiguration(url: redisURL)
        let redis = try RedisClients.connect(configuration)
        let seed = TestSeed.draw(for: "kill times of \(name)")
        var generator = SeededRandom(seed: seed)
        let topology = try EngineTestSupport.fraudTopology(name: name, topic: reference.topic)
        let offsetsKey = topology.compiled.storeKeys.offsetsKey
        let logDirectory = reference.logDirectory
        var partialProgress: [Int64] = []
        var exitedCleanly = false
        for attempt in 0..<5 {
            // Small batches: many commits to interrupt between, however fast the engine is.
            let process = try sluice(
                topology.path, group: "\(name)-g", log: "\(logDirectory)/\(name)-\(attempt).log",
                offlineDir: offlineDir, batchSize: 500, redisURL: redisURL)
            // Wait until this process wrote something new, then interrupt it mid-run.
            let before = try storedOffsets(offsetsKey, redis: redis)
            try await interrupt(
                process, with: attempt == 0 ? SIGTERM : SIGKILL,
                after: .milliseconds(Int.random(in: 0...400, using: &generator)),
                onceProgressLeaves: before, of: offsetsKey, redis: configuration)
            if attempt == 0 {
                exitedCleanly = try await process.waitForExit(timeout: .seconds(20)) == 0
            } else {
                _ = try await process.waitForExit(timeout: .seconds(10))
            }
            partialProgress.append(try storedOffsets(offsetsKey, redis: redis))
        }
        let last = try sluice(
            topology.path, group: "\(name)-g", log: "\(logDirectory)/\(name)-final.log", offlineDir: offlineDir,
            redisURL: redisURL)
        guard try await last.waitForExit(timeout: .seconds(120)) == 0 else {
            throw TestFailure("the final run of \(name) failed; see \(logDirectory)/\(name)-final.log")
        }
        return Interrupted(
            name: name, state: try EngineTestSupport.dumpState(topologyName: name, redis: configuration),
            exitedCleanlyOnSIGTERM: exitedCleanly, partialProgress: partialProgress, seed: seed)
    }

    /// Checks an interrupted run against the reference.
    static func expectEqualToReference(_ run: Interrupted, _ reference: Reference) {
        #expect(
            run.partialProgress.contains { $0 > 0 && $0 < Int64(events) },
            "no interruption happened mid-run: \(run.partialProgress) (kill times from seed \(run.seed))")
        #expect(run.state.count == reference.state.count, "\(run.name), kill times from seed \(run.seed)")
        #expect(
            run.state == reference.state,
            "\(run.name): state after kills differs in \(run.state.filter { reference.state[$0.key] != $0.value }.count) keys (kill times from seed \(run.seed))"
        )
    }

    @Test("SIGTERM finishes the batch and exits 0")
    func sigtermExitsCleanly() async throws {
        let run = try await Shared.shared.interruptedWithLog()
        #expect(run.exitedCleanlyOnSIGTERM, "SIGTERM must finish the batch and exit 0 (seed \(run.seed))")
    }

    @Test("with the feature log, SIGKILL at random moments and restarts leave the uninterrupted run's state")
    func killsWithFeatureLog() async throws {
        let reference = try await Shared.shared.reference()
        Self.expectEqualToReference(try await Shared.shared.interruptedWithLog(), reference)
    }

    @Test("without the feature log, SIGKILL at random moments and restarts leave the uninterrupted run's state")
    func killsWithoutFeatureLog() async throws {
        let reference = try await Shared.shared.reference()
        let run = try await Self.interrupted("killpipe_\(reference.suffix)", offlineDir: nil, reference: reference)
        Self.expectEqualToReference(run, reference)
        #expect(run.exitedCleanlyOnSIGTERM, "SIGTERM must finish the batch and exit 0 (seed \(run.seed))")
        try EngineTestSupport.clearState(topologyName: run.name)
    }

    @Test("after kills the feature log holds every accepted event once, with the uninterrupted run's card features")
    func featureLogAfterKills() async throws {
        let reference = try await Shared.shared.reference()
        let run = try await Shared.shared.interruptedWithLog()
        try await Self.expectLogEqualToReference("\(reference.logDirectory)/kill-offline", reference, seed: run.seed)
    }

    /// Checks the feature log in `directory` against the uninterrupted run's: as many rows, the
    /// same card features, and each partition's table transaction at its last offset.
    static func expectLogEqualToReference(_ directory: String, _ reference: Reference, seed: UInt64) async throws {
        // Card features: the topic's key, so independent of how partitions interleave.
        let referenceLog = try await FeatureLogDump.read("\(reference.logDirectory)/ref-offline")
        let killedLog = try await FeatureLogDump.read(directory)
        #expect(referenceLog.rows.count > Self.events * 9 / 10)
        #expect(
            killedLog.rows.count == referenceLog.rows.count,
            "rows after kills \(killedLog.rows.count), uninterrupted \(referenceLog.rows.count) (seed \(seed))")
        let cardColumns =
            try referenceLog.columns.indices.filter { referenceLog.columns[$0].hasPrefix("card__") }
            + ["event_id", "kafka_partition", "kafka_offset"].map { try referenceLog.column($0) }
        let differing = zip(referenceLog.rows, killedLog.rows).filter { pair in
            cardColumns.contains { pair.0[$0] != pair.1[$0] }
        }
        #expect(
            differing.isEmpty,
            "\(differing.count) rows differ after kills; first: \(differing.first.map { "\($0.0) vs \($0.1)" } ?? "")")
        // The table's transaction version of each partition is its last offset in the table.
        let (partition, offset) = try (killedLog.column("kafka_partition"), killedLog.column("kafka_offset"))
        var newest: [String: Int64] = [:]
        for row in killedLog.rows {
            let key = "\(row[partition] ?? "")"
            newest[key] = max(newest[key] ?? -1, Int64(row[offset] ?? "") ?? -1)
        }
        let versions = (killedLog.transactions ?? [:]).reduce(into: [String: Int64]()) { result, entry in
            if let version = entry.value { result[String(entry.key.split(separator: ":").last ?? "")] = version }
        }
        #expect(versions == newest, "transaction versions \(versions), newest offsets \(newest)")
    }

    @Test(
        "two processes in one group share the partitions and leave the uninterrupted run's state",
        arguments: [Store.redis, .cluster])
    func scaleOut(_ store: Store) async throws {
        let reference = try await Shared.shared.reference()
        let (suffix, logDirectory) = (reference.suffix, reference.logDirectory)
        let name = "two_\(store)_\(suffix)"
        let scaled = try EngineTestSupport.fraudTopology(name: name, topic: reference.topic)
        let processes = try ["a", "b"].map {
            try Self.sluice(
                scaled.path, group: "\(name)-g", log: "\(logDirectory)/\(name)-\($0).log", redisURL: store.url)
        }
        for process in processes { #expect(try await process.waitForExit(timeout: .seconds(120)) == 0) }
        let logs = try ["a", "b"].map {
            try String(contentsOfFile: "\(logDirectory)/\(name)-\($0).log", encoding: .utf8)
        }
        #expect(logs.allSatisfy { $0.contains("partitions positioned") }, "both processes must have owned partitions")
        let configuration = try RedisConfiguration(url: store.url)
        let fromTwo = try EngineTestSupport.dumpState(topologyName: name, redis: configuration)
        #expect(
            fromTwo == reference.state,
            "state from two processes differs in \(fromTwo.filter { reference.state[$0.key] != $0.value }.count) keys")
        try EngineTestSupport.clearState(topologyName: name, redis: configuration)
    }

    /// Where a test keeps its online state: the stack's Redis, or its Redis Cluster.
    enum Store: String, CustomStringConvertible, Sendable {
        case redis, cluster
        var url: String { self == .redis ? TestServices.redisURL : TestServices.redisClusterURL }
        var description: String { rawValue }
    }

    /// On a cluster a batch has no transaction: entity writes go to three masters, the progress
    /// last (once a replica of each holds them), and the feature log keeps the staged rows of a
    /// batch a kill left partly written (docs/storage.md).
    @Test(
        "on the Redis Cluster, SIGKILL at random moments with the feature log: the uninterrupted run's state, every row once"
    )
    func killsOnCluster() async throws {
        let reference = try await Shared.shared.reference()
        let name = "killcl_\(reference.suffix)"
        let offline = "\(reference.logDirectory)/killcl-offline"
        let run = try await Self.interrupted(
            name, offlineDir: offline, reference: reference, redisURL: TestServices.redisClusterURL)
        Self.expectEqualToReference(run, reference)
        try await Self.expectLogEqualToReference(offline, reference, seed: run.seed)
        try EngineTestSupport.clearState(
            topologyName: name, redis: try RedisConfiguration(url: TestServices.redisClusterURL))
    }

    /// Without a feature log a batch is not one transaction: a crash can leave some entities
    /// written and the partitions' progress behind them. Each entity stores the offset of the
    /// newest event in its tiles, and a replay skips what they already hold.
    @Test(
        "progress behind the stored tiles, as a crash between entity writes and progress leaves it: no event counts twice"
    )
    func progressBehindTiles() async throws {
        let topic = TestServices.uniqueName("behind")
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: 20_000, seed: 13, malformed: 0)
        let name = "behind_" + String(topic.suffix(8))
        let (_, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
        try await EngineTestSupport.runUntilEnd(compiled)
        let expected = try EngineTestSupport.dumpState(topologyName: name)

        // Move each partition's progress back to half its offsets, with the newest event time it
        // had there, so the second half is classified (on time or late) exactly as the first run
        // did and is applied again unless the tiles are recognised as holding it.
        let messages = try await KafkaTestSupport.readAll(topic: topic, partitions: 4)
        let redis = try RedisConnection(configuration: TestServices.redisConfiguration())
        let stored = try redis.send("HGETALL", .string(compiled.storeKeys.offsetsKey)).array ?? []
        #expect(stored.count == 8)
        for index in stride(from: 0, to: stored.count, by: 2) {
            let field = try #require(stored[index].string)
            let partition = try #require(Int32(field.split(separator: ":").last ?? ""))
            let next = try #require(Int64(stored[index + 1].string?.split(separator: ":").first ?? ""))
            let rewound = next / 2
            let newest = messages.filter { $0.partition == partition && $0.offset < rewound }.compactMap {
                message -> Int64? in
                let object = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
                return (object?["ts"] as? NSNumber)?.int64Value
            }.max()
            try redis.send(
                "HSET", .string(compiled.storeKeys.offsetsKey), .string(field),
                .string("\(rewound):\(try #require(newest))"))
        }
        try await EngineTestSupport.runUntilEnd(compiled)
        let after = try EngineTestSupport.dumpState(topologyName: name)
        #expect(after.count == expected.count)
        #expect(
            after == expected,
            "state after replaying from older progress differs in \(after.filter { expected[$0.key] != $0.value }.count) keys"
        )
        try EngineTestSupport.clearState(topologyName: name)
    }
}

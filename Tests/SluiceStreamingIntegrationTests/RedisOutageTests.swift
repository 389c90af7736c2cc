import Foundation
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

@Suite("Engine through a Redis outage", .timeLimit(.minutes(3)))
struct RedisOutageTests {
    @Test("Redis going away mid-run: the engine waits, retries, and ends with exactly the uninterrupted state")
    func redisRestartMidRun() async throws {
        let topic = TestServices.uniqueName("outage")
        let suffix = String(topic.suffix(8))
        let events = 30_000
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: events, seed: 5, malformed: 0.002)

        let reference = try EngineTestSupport.fraudTopology(name: "outref_\(suffix)", topic: topic).compiled
        try await EngineTestSupport.runUntilEnd(reference)
        let expected = try EngineTestSupport.dumpState(topologyName: "outref_\(suffix)")

        // A Redis of its own, persisting to a folder so that a restart keeps what was written.
        let port = try TestProcess.freePort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-outage-\(suffix)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no",
        ]
        var server = try TestProcess(TestProcess.which("redis-server"), arguments, logFile: "\(folder)/redis.log")
        try await TestProcess.waitForPort(port, timeout: .seconds(30))
        let url = "redis://127.0.0.1:\(port)/0"
        var own = try RedisConfiguration(url: url)
        own.reconnect.maxAttempts = 1

        let subject = try EngineTestSupport.fraudTopology(name: "outage_\(suffix)", topic: topic).compiled
        // Small batches: many transactions, so the outage lands while the engine is still working.
        let run = Task { try await EngineTestSupport.runUntilEnd(subject, redisURL: url, batchSize: 200) }
        // Wait for the engine's first committed batch (one cheap read of its offsets hash), then
        // take Redis away for two seconds. The watch runs on a thread of its own: tests running in
        // parallel can keep the cooperative pool busy longer than the engine needs for all events.
        let offsetsKey = subject.storeKeys.offsetsKey
        let adminConfiguration = own
        let processedBefore = try await Self.onOwnThread { () throws -> Int in
            let admin = try RedisConnection(configuration: adminConfiguration)
            func processed() -> Int {
                let values = (try? admin.send("HVALS", .string(offsetsKey)).array) ?? []
                return values.compactMap { $0.string.flatMap { Int($0.split(separator: ":")[0]) } }.reduce(0, +)
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while processed() == 0 && ContinuousClock.now < deadline { usleep(1_000) }
            let processedBefore = processed()
            _ = try? admin.send("SHUTDOWN", "SAVE")
            return processedBefore
        }
        #expect(
            processedBefore > 0 && processedBefore < events,
            "the outage must come mid-run; \(processedBefore) of \(events) were processed")
        var exited = try await server.waitForExit(timeout: .seconds(10))
        if exited == nil {
            // SHUTDOWN did not take (lost, or the server was busy): ask again before restarting,
            // or the new server finds its port taken.
            _ = try? RedisConnection(configuration: own).send("SHUTDOWN", "SAVE")
            exited = try await server.waitForExit(timeout: .seconds(20))
        }
        #expect(exited != nil, "the test's Redis did not stop for SHUTDOWN SAVE")
        try await Task.sleep(for: .seconds(2))
        server = try TestProcess(TestProcess.which("redis-server"), arguments, logFile: "\(folder)/redis.log")
        defer { server.stop() }
        // A loaded CI machine can take a while to start it and read the dump back.
        try await TestProcess.waitForPort(port, timeout: .seconds(30))

        try await run.value
        // A restarted Redis answers LOADING while it reads its dump back.
        let loaded = ContinuousClock.now + .seconds(20)
        while (try? RedisConnection(configuration: own).send("PING").string) != "PONG" && ContinuousClock.now < loaded {
            try await Task.sleep(for: .milliseconds(50))
        }
        let actual = try EngineTestSupport.dumpState(topologyName: "outage_\(suffix)", redis: own)
        #expect(
            actual == expected,
            "state after the outage differs in \(actual.filter { expected[$0.key] != $0.value }.count) of \(expected.count) keys"
        )
        try EngineTestSupport.clearState(topologyName: "outref_\(suffix)")
    }

    @Test("Redis unreachable while partitions are assigned: they start at the stored progress once it answers")
    func redisDownAtAssignment() async throws {
        let topic = TestServices.uniqueName("assign")
        let suffix = String(topic.suffix(8))
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: 5_000, seed: 11, malformed: 0.01)
        let subject = try EngineTestSupport.fraudTopology(name: "asg_\(suffix)", topic: topic).compiled
        try await EngineTestSupport.runUntilEnd(subject)
        let firstRunDeadLetters = try await Self.deadLetterOrigins(topic: topic)
        #expect(!firstRunDeadLetters.isEmpty)
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: 5_000, seed: 12, malformed: 0.01)

        // A second run in a new consumer group (no committed offsets: Kafka alone would start it
        // at the beginning), through a proxy that drops Redis at the first HMGET, the read of
        // the stored offsets inside the rebalance callback, and refuses it for two seconds.
        let redis = try TestServices.redisConfiguration()
        let proxy = try FaultProxy(targetPort: redis.port, trigger: "HMGET", outage: .seconds(2))
        defer { proxy.stop() }
        let proxied = TestServices.redisURL.replacingOccurrences(
            of: "\(redis.host):\(redis.port)", with: "127.0.0.1:\(proxy.port)")
        #expect(proxied != TestServices.redisURL)
        try await EngineTestSupport.runUntilEnd(subject, group: TestServices.uniqueName("fresh"), redisURL: proxied)
        #expect(proxy.cuts == 1, "the read of the stored offsets at assignment never met the outage")

        // None of the first run's dead letters may come again: that would mean the second run
        // read the topic from before the stored progress. Nor any of the second run's: its
        // writer, cut with the rest, reconnects before its first batch instead of failing it
        // (a failed batch is processed, and dead-lettered, again).
        let bothRunsDeadLetters = try await Self.deadLetterOrigins(topic: topic)
        var times: [String: Int] = [:]
        for origin in bothRunsDeadLetters { times[origin, default: 0] += 1 }
        let repeated = firstRunDeadLetters.filter { times[$0] != 1 }
        #expect(repeated.isEmpty, "\(repeated.count) dead letters of the first run were sent again")
        #expect(
            times.values.allSatisfy { $0 == 1 }, "\(times.values.filter { $0 > 1 }.count) dead letters were sent twice")

        // An uninterrupted run over the whole topic: the same state and the same dead letters.
        let reference = try EngineTestSupport.fraudTopology(name: "asgref_\(suffix)", topic: topic).compiled
        try await EngineTestSupport.runUntilEnd(reference)
        var referenceDeadLetters = try await Self.deadLetterOrigins(topic: topic)
        for origin in bothRunsDeadLetters {
            referenceDeadLetters.remove(at: referenceDeadLetters.firstIndex(of: origin)!)
        }
        #expect(Set(referenceDeadLetters) == Set(bothRunsDeadLetters))
        let expected = try EngineTestSupport.dumpState(topologyName: "asgref_\(suffix)")
        let actual = try EngineTestSupport.dumpState(topologyName: "asg_\(suffix)")
        #expect(
            actual == expected,
            "state differs in \(actual.filter { expected[$0.key] != $0.value }.count) of \(expected.count) keys")
        try EngineTestSupport.clearState(topologyName: "asg_\(suffix)")
        try EngineTestSupport.clearState(topologyName: "asgref_\(suffix)")
    }

    /// The source partition, offset and reason of every record on the topic's dead-letter topic.
    static func deadLetterOrigins(topic: String) async throws -> [String] {
        try await KafkaTestSupport.readAll(topic: "\(topic).dlq", partitions: 4).map { message in
            ["sluice.source.partition", "sluice.source.offset", "sluice.reason"].map {
                message.headers.string($0) ?? "?"
            }.joined(separator: "/")
        }
    }

    /// Runs `body` on a new thread (not the cooperative pool) and returns its result.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}

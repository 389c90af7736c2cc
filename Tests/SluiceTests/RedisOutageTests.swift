import Foundation
import Sluice
import SluiceRedis
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
        let arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", folder, "--save", "", "--appendonly", "no"]
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
        let offsetsKey = subject.offsetsKey
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
        #expect(processedBefore > 0 && processedBefore < events, "the outage must come mid-run; \(processedBefore) of \(events) were processed")
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
        #expect(actual == expected, "state after the outage differs in \(actual.filter { expected[$0.key] != $0.value }.count) of \(expected.count) keys")
        try EngineTestSupport.clearState(topologyName: "outref_\(suffix)")
    }

    /// Runs `body` on a new thread (not the cooperative pool) and returns its result.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}

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
        var server = try TestProcess(TestProcess.which("redis-server"), arguments)
        try await TestProcess.waitForPort(port)
        let url = "redis://127.0.0.1:\(port)/0"
        var own = try RedisConfiguration(url: url)
        own.reconnect.maxAttempts = 1

        let subject = try EngineTestSupport.fraudTopology(name: "outage_\(suffix)", topic: topic).compiled
        // Small batches: many transactions, so the outage lands while the engine is still working.
        let run = Task { try await EngineTestSupport.runUntilEnd(subject, redisURL: url, batchSize: 300) }
        // Wait for the engine to write something, then take Redis away for two seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let state = try? EngineTestSupport.dumpState(topologyName: "outage_\(suffix)", redis: own), state.count > 100 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let admin = try RedisConnection(configuration: own)
        // The offsets stored so far: the outage must come before the engine is done.
        let offsets = try EngineTestSupport.dumpState(topologyName: "outage_\(suffix)", redis: own).first { $0.key.hasSuffix(":offsets") }?.value ?? [:]
        let processedBefore = offsets.values.compactMap { Int(String(decoding: $0, as: UTF8.self).split(separator: ":")[0]) }.reduce(0, +)
        #expect(processedBefore < events, "the engine finished before Redis went away; the outage was not exercised")
        _ = try? admin.send("SHUTDOWN", "SAVE")
        _ = try await server.waitForExit(timeout: .seconds(10))
        try await Task.sleep(for: .seconds(2))
        server = try TestProcess(TestProcess.which("redis-server"), arguments)
        defer { server.stop() }
        try await TestProcess.waitForPort(port)

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
}

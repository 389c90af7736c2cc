import Foundation
import SluiceCore
import SluiceOnlineStore
import SluiceRedis
import SluiceRedisTesting
import SluiceStreamingTesting
import SluiceTesting
import Synchronization
import Testing

/// `sluice run` and `sluice serve` on a Redis Cluster of the test's own (three masters, one
/// replica each) whose master is SIGKILLed mid-run.
@Suite("Engine and serving through a Redis Cluster failover", .timeLimit(.minutes(6)))
struct ClusterFailoverTests {
    /// A lookup through `sluice serve` as curl timed it.
    struct Probe: Sendable {
        let sinceKill: Duration?
        let status: Int
        let seconds: Double
    }

    static func probe(_ url: String) async throws -> (status: Int, seconds: Double) {
        let (_, output) = try await TestProcess.run(
            try TestProcess.which("curl"),
            ["-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code} %{time_total}", url])
        let parts = output.split(separator: " ")
        return (parts.first.flatMap { Int($0) } ?? 0, parts.last.flatMap { Double($0) } ?? 0)
    }

    @Test(
        "a master killed mid-run: its replica takes over, the run ends with the uninterrupted state, serve answers 503 quickly and recovers"
    )
    func masterKilled() async throws {
        let cluster = try await TestRedisCluster.start()
        defer { cluster.stop() }
        let topic = TestServices.uniqueName("failover")
        _ = try await EngineTestSupport.produceDemo(topic: topic, events: 40_000, seed: 17, malformed: 0.005)
        let suffix = String(topic.suffix(8))
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-failover-\(suffix)").path
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)

        // The uninterrupted run, on the stack's single Redis: what the cluster must hold at the end.
        let referenceName = "foref_\(suffix)"
        let reference = try EngineTestSupport.fraudTopology(name: referenceName, topic: topic)
        try await EngineTestSupport.runUntilEnd(reference.compiled)
        let expected = try EngineTestSupport.dumpState(topologyName: referenceName)
        try EngineTestSupport.clearState(topologyName: referenceName)

        let name = "fo_\(suffix)"
        let (path, compiled) = try EngineTestSupport.fraudTopology(name: name, topic: topic)
        let port = try TestProcess.freePort()
        let serve = try TestProcess(
            TestProcess.sluiceExecutable(), ["serve", "--port", String(port), "--topology", path, "--no-registry"],
            environment: ["SLUICE_REDIS_URL": cluster.url], logFile: "\(logs)/serve.log")
        defer { serve.stop() }
        try await TestProcess.waitForPort(port)
        let run = try TestProcess(
            TestProcess.sluiceExecutable(),
            [
                "run", "--until-end", "--topology", path, "--group", "\(name)-g", "--metrics-port", "0",
                "--batch-size", "500",
            ],
            environment: ["SLUICE_BROKERS": TestServices.brokers, "SLUICE_REDIS_URL": cluster.url],
            logFile: "\(logs)/run.log")

        // Once the run has stored progress, kill the master holding it.
        let client = try RedisClusterConnection(configuration: cluster.configuration)
        let offsetsKey = compiled.storeKeys.offsetsKey
        let deadline = ContinuousClock.now + .seconds(90)
        while (try client.command(["HLEN", .string(offsetsKey)]).int ?? 0) == 0 {
            guard ContinuousClock.now < deadline else { throw TestFailure("the run stored no progress; see \(logs)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let victim = try #require(client.slotMap.master(of: offsetsKey)).port
        // A card whose key the victim holds, probed through serve before, during and after.
        let cardLayout = compiled.layouts[0]
        let card = try #require(
            (0..<2_000).map { "card-\($0)" }.first { entity in
                client.slotMap.master(of: compiled.storeKeys.entityKey(view: cardLayout, entity: entity))?.port
                    == victim
                    && expected["card:\(compiled.fingerprint):\(entity)"] != nil
            })
        let url = "http://127.0.0.1:\(port)/v1/features/card/\(card)"
        #expect(try await Self.probe(url).status == 200, "serve answers before the kill")

        let killedAt = Mutex<ContinuousClock.Instant?>(nil)
        let probes = Mutex<[Probe]>([])
        let prober = Task {
            while !Task.isCancelled {
                let (status, seconds) = try await Self.probe(url)
                let since = killedAt.withLock { $0 }.map { ContinuousClock.now - $0 }
                probes.withLock { $0.append(Probe(sinceKill: since, status: status, seconds: seconds)) }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        try await cluster.kill(victim)
        killedAt.withLock { $0 = .now }
        let map = try await cluster.waitForFailover(of: victim, timeout: .seconds(30))
        let failoverTook = ContinuousClock.now - killedAt.withLock { $0! }
        #expect(map.masters.count == 3)

        #expect(try await run.waitForExit(timeout: .seconds(240)) == 0, "the run ends by itself; see \(logs)/run.log")
        // Serve recovers by itself: wait for a 200 after the failover (at most 20 s).
        let recoveryDeadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < recoveryDeadline,
            probes.withLock({ $0.last?.status }) != 200 || probes.withLock({ $0.last?.sinceKill == nil })
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        prober.cancel()
        _ = try? await prober.value

        let state = try EngineTestSupport.dumpState(topologyName: name, redis: try cluster.configuration)
        #expect(state.count == expected.count)
        #expect(
            state == expected,
            "after the failover the cluster differs from the uninterrupted run in \(state.filter { expected[$0.key] != $0.value }.count) keys"
        )
        let afterKill = probes.withLock { $0 }.filter { $0.sinceKill != nil }
        let unavailable = afterKill.filter { $0.status == 503 }
        let runLog = (try? String(contentsOfFile: "\(logs)/run.log", encoding: .utf8)) ?? ""
        let summary =
            "failover took \(failoverTook); probes after the kill: \(afterKill.count), 503: \(unavailable.count), "
            + "statuses \(Set(afterKill.map(\.status)).sorted()), slowest 503 \(unavailable.map(\.seconds).max() ?? 0) s"
        #expect(!unavailable.isEmpty, "serve must say 503 while the victim's slots have no master: \(summary)")
        #expect(unavailable.allSatisfy { $0.seconds < 1.0 }, "503 quickly: \(summary)")
        #expect(Set(afterKill.map(\.status)).isSubset(of: [200, 503]), "\(summary)")
        #expect(afterKill.last?.status == 200, "serve recovers by itself: \(summary)")
        #expect(runLog.contains("Redis Cluster slot map changed"), "the engine read the new slot map")
        print("cluster failover: \(summary)")
    }

    /// Writes that must reach a replica (`WAIT`) to a master whose replica died: they fail until
    /// the cluster marks the replica failed and the client reads a slot map that no longer lists
    /// it; then they go on without waiting.
    @Test("a master's replica killed: durable writes fail retriably, then go on once the map drops the replica")
    func replicaKilled() async throws {
        let cluster = try await TestRedisCluster.start()
        defer { cluster.stop() }
        let client = try RedisClusterConnection(configuration: cluster.configuration)
        client.replicaWaitLimit = .milliseconds(300)
        let range = try #require(client.slotMap.ranges.first)
        var last = RedisPipeline()
        last.append("SET", .string(TestServices.uniqueName("lonely-progress")), "done")

        // Writes to every master, that one included: with its replica gone they cannot be confirmed.
        var lonely = RedisPipeline()
        for index in 0..<300 { lonely.append("SET", .string("lonely-\(index)"), "1") }
        try await cluster.kill(range.replicas[0].port)
        let first = #expect(throws: RedisError.self) { try client.execute(parts: [lonely], thenDurably: last) }
        #expect(first?.code == .clusterUnavailable && first?.isRetriable == true, "\(String(describing: first))")
        // Retried as the engine does: it goes on once the cluster has marked the replica failed.
        let deadline = ContinuousClock.now + .seconds(30)
        var failures = 1
        while true {
            do {
                _ = try client.execute(parts: [lonely], thenDurably: last)
                break
            } catch {
                failures += 1
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(client.slotMap.replicaCount(of: range.master) == 0, "the map read again no longer lists the replica")
        print("replica killed: \(failures) failed attempts before the writes went on")
    }
}

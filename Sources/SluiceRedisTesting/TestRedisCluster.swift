import Foundation
import SluiceRedis
import SluiceTesting
import Synchronization

/// A Redis Cluster of its own for a test that breaks it (kills a master): three masters with one
/// replica each on free loopback ports, formed by `redis-cli --cluster create`, its files in a
/// temporary folder. `stop()` ends every node and removes the folder.
public final class TestRedisCluster: Sendable {
    public let ports: [Int]
    private let directory: String
    private let nodes: Mutex<[Int: TestProcess]>
    /// How long a master may be unreachable before its replica takes over.
    public static let nodeTimeoutMilliseconds = 1000

    public var url: String { "redis+cluster://" + ports.map { "127.0.0.1:\($0)" }.joined(separator: ",") }

    public var configuration: RedisConfiguration {
        get throws {
            var configuration = try RedisConfiguration(url: url)
            configuration.reconnect.maxAttempts = 2
            return configuration
        }
    }

    private init(ports: [Int], directory: String) {
        self.ports = ports
        self.directory = directory
        self.nodes = Mutex([:])
    }

    /// Starts six nodes, forms the cluster and waits until every replica is in sync and known to
    /// every node.
    public static func start() async throws -> TestRedisCluster {
        let ports = try (0..<6).map { _ in try TestProcess.freePort(pairedWith: 10_000) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-cluster-\(UUID().uuidString.prefix(8))"
        ).path
        let cluster = TestRedisCluster(ports: ports, directory: directory)
        do {
            for port in ports { try await cluster.startNode(port) }
            let (status, output) = try await TestProcess.run(
                try TestProcess.which("redis-cli"),
                ["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" } + [
                    "--cluster-replicas", "1", "--cluster-yes",
                ])
            guard status == 0 else { throw TestFailure("redis-cli --cluster create failed: \(output)") }
            try await cluster.waitUntilWhole(timeout: .seconds(60))
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    private func startNode(_ port: Int) async throws {
        let folder = "\(directory)/\(port)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let process = try TestProcess(
            try TestProcess.which("redis-server"),
            [
                "--bind", "127.0.0.1", "--port", String(port), "--dir", folder, "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String(Self.nodeTimeoutMilliseconds),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--hash-max-listpack-value", "512",
            ], logFile: "\(folder)/redis.log")
        nodes.withLock { $0[port] = process }
        try await TestProcess.waitForPort(port)
    }

    /// A connection to one node.
    public func node(_ port: Int) throws -> RedisConnection {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.reconnect.maxAttempts = 1
        configuration.clientName = nil
        return try RedisConnection(configuration: configuration)
    }

    /// The slot map as the first live node (other than `excluding`) has it.
    public func slotMap(excluding: Int? = nil) throws -> RedisClusterSlotMap {
        var lastError: (any Error)?
        for port in ports where port != excluding {
            do {
                return try RedisClusterSlotMap(clusterSlots: try node(port).send("CLUSTER", "SLOTS"))
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestFailure("no node to ask")
    }

    /// SIGKILLs the node on `port`, as a crashed machine.
    public func kill(_ port: Int) async throws {
        let process = nodes.withLock { $0.removeValue(forKey: port) }
        process?.send(SIGKILL)
        _ = try await process?.waitForExit(timeout: .seconds(10))
    }

    /// Waits until the cluster is whole: every slot served, three masters with a replica each in
    /// sync, as every node sees it.
    public func waitUntilWhole(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            do {
                let maps = try ports.map {
                    try RedisClusterSlotMap(clusterSlots: try node($0).send("CLUSTER", "SLOTS"))
                }
                let synced = try ports.filter {
                    (try node($0).send("INFO", "replication").string ?? "").contains("master_link_status:up")
                }
                if synced.count == 3,
                    maps.allSatisfy({ map in
                        map.uncoveredSlots == 0 && map.masters.count == 3
                            && map.ranges.allSatisfy { $0.replicas.count == 1 }
                    })
                {
                    return
                }
                last = "\(synced.count) replicas in sync; masters \(maps.map(\.masters))"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("the test cluster did not become whole within \(timeout): \(last)")
    }

    /// Waits until the live nodes name a master other than `dead` for every slot.
    public func waitForFailover(of dead: Int, timeout: Duration) async throws -> RedisClusterSlotMap {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let map = try? slotMap(excluding: dead), map.uncoveredSlots == 0,
                !map.masters.contains(where: { $0.port == dead })
            {
                return map
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("no replica took over from the master on port \(dead) within \(timeout)")
    }

    public func stop() {
        let all = nodes.withLock { nodes in
            defer { nodes.removeAll() }
            return Array(nodes.values)
        }
        for process in all { process.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

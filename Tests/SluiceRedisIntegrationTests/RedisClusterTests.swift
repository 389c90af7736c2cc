import Foundation
import SluiceRedis
import SluiceTesting
import Testing

/// The slot arithmetic, the slot map and the cluster clients against the stack's real Redis
/// Cluster (three masters, one replica each: `scripts/stack cluster up`). Serialized: one test
/// moves a slot between masters and back.
@Suite("Redis Cluster: slots and routing on a real cluster", .serialized, .timeLimit(.minutes(3)))
struct RedisClusterTests {
    static func clusterConfiguration() throws -> RedisConfiguration {
        try RedisConfiguration(url: "redis+cluster://127.0.0.1:\(TestServices.redisClusterPort)")
    }

    static func connect(port: Int) throws -> RedisConnection {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.clientName = nil
        return try RedisConnection(configuration: configuration)
    }

    static func keys() -> [String] {
        var keys = (0..<1_500).map { "sluice:fraud:card:\($0)" }
        keys += (0..<300).map { "sluice:fraud:card:x{card-\($0)}" }
        // Keys of printable bytes, braces included, spread by index arithmetic.
        for index in 0..<200 {
            var bytes: [UInt8] = []
            for position in 0...(index % 23) { bytes.append(UInt8(33 + (index * 31 + position * 17) % 94)) }
            keys.append(String(decoding: bytes, as: UTF8.self))
        }
        keys += ["{}", "{", "}", "a{}b{c}", "{{x}}", "", "é{ü}ß"]
        return keys
    }

    @Test("every key's slot equals CLUSTER KEYSLOT's, hash tags and odd keys included")
    func keySlots() throws {
        let connection = try Self.connect(port: TestServices.redisClusterPort)
        var pipeline = RedisPipeline()
        let keys = Self.keys()
        for key in keys { pipeline.append(["CLUSTER", "KEYSLOT", .string(key)]) }
        let replies = try connection.execute(pipeline)
        for (key, reply) in zip(keys, replies) {
            #expect(reply.int.map(Int.init) == RedisClusterSlot.of(key), "\(key)")
        }
    }

    @Test("the slot map covers every slot; each key is accepted by its master and MOVED by the others")
    func routing() throws {
        let map = try RedisClusterSlotMap(
            clusterSlots: try Self.connect(port: TestServices.redisClusterPort).send("CLUSTER", "SLOTS"))
        #expect(map.uncoveredSlots == 0)
        #expect(map.masters.count == 3 && map.ranges.allSatisfy { $0.replicas.count == 1 })
        let connections = try Dictionary(
            uniqueKeysWithValues: map.masters.map { node in (node, try Self.connect(port: node.port)) })
        for key in Self.keys().prefix(300) {
            let owner = try #require(map.master(of: key))
            let slot = RedisClusterSlot.of(key)
            #expect(try connections[owner]!.send("SET", .string(key), "1") == .status("OK"), "\(key)")
            for (node, connection) in connections where node != owner {
                let error = #expect(throws: RedisError.self) { try connection.send("GET", .string(key)) }
                #expect(error?.serverMessage == "MOVED \(slot) \(owner)", "\(key) on \(node)")
            }
            _ = try connections[owner]!.send("DEL", .string(key))
        }
    }

    /// A pipeline over every master: HSETs, reads of what they wrote, a keyless command and an
    /// error reply, with the replies it must get.
    static func mixedPipeline(_ prefix: String) -> (RedisPipeline, [RedisValue]) {
        var pipeline = RedisPipeline()
        var expected: [RedisValue] = []
        for index in 0..<1_000 {
            pipeline.append("HSET", .string("\(prefix):\(index)"), "f", .string("v\(index)"))
            expected.append(.integer(1))
        }
        pipeline.append("PING")
        expected.append(.status("PONG"))
        for index in stride(from: 999, through: 0, by: -1) {
            pipeline.append("HGET", .string("\(prefix):\(index)"), "f")
            expected.append(.bulkString(Array("v\(index)".utf8)))
        }
        pipeline.append("LPUSH", .string("\(prefix):0"), "x")
        expected.append(.error("WRONGTYPE Operation against a key holding the wrong kind of value"))
        for index in 0..<1_000 {
            pipeline.append("DEL", .string("\(prefix):\(index)"))
            expected.append(.integer(1))
        }
        return (pipeline, expected)
    }

    @Test("the blocking client splits a pipeline over the masters and answers in the pipeline's order")
    func blockingClient() throws {
        let client = try RedisClusterConnection(configuration: Self.clusterConfiguration())
        #expect(client.slotMap.masters.count == 3 && client.slotMap.uncoveredSlots == 0)
        let (pipeline, expected) = Self.mixedPipeline(TestServices.uniqueName("cluster-blocking"))
        #expect(try client.execute(pipeline) == expected)
        // Durable writes: every master has a replica, so each WAIT must see one.
        var writes = RedisPipeline()
        var last = RedisPipeline()
        let key = TestServices.uniqueName("cluster-durable")
        for index in 0..<300 { writes.append("SET", .string("\(key):\(index)"), "1") }
        last.append("DEL", .string(key))
        let replies = try client.execute(parts: [writes], thenDurably: last)
        #expect(replies.count == 301 && replies.dropLast().allSatisfy { $0 == .status("OK") })
        var cleanup = RedisPipeline()
        for index in 0..<300 { cleanup.append("DEL", .string("\(key):\(index)")) }
        _ = try client.execute(cleanup)
        let refused = #expect(throws: RedisError.self) { try client.command(["GET"]) }
        #expect(refused?.code == .serverError)
    }

    @Test("the event-loop client splits concurrent pipelines over the masters, each answered in order")
    func eventLoopClient() async throws {
        let pool = RedisClusterEventLoopPool(configuration: try Self.clusterConfiguration())
        defer { pool.shutdown() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<8 {
                group.addTask {
                    let (pipeline, expected) = Self.mixedPipeline(TestServices.uniqueName("cluster-loop-\(caller)"))
                    let replies = try await pool.execute(pipeline)
                    #expect(replies == expected)
                }
            }
            try await group.waitForAll()
        }
        #expect(pool.slotMap.masters.count == 3)
    }

    /// Moves `slot` from its master to another as `redis-cli --cluster reshard` does, in steps:
    /// `IMPORTING` on the target, `MIGRATING` on the source, `MIGRATE` of some keys, then the slot
    /// assigned to the target everywhere.
    struct SlotMove {
        let slot: Int
        let source: RedisConnection
        let target: RedisConnection
        let sourceID: String
        let targetID: String
        let everyMaster: [RedisConnection]

        func beginMigration() throws {
            try target.send("CLUSTER", "SETSLOT", .int(Int64(slot)), "IMPORTING", .string(sourceID))
            try source.send("CLUSTER", "SETSLOT", .int(Int64(slot)), "MIGRATING", .string(targetID))
        }

        func migrate(_ keys: [String]) throws {
            try Self.migrate(keys, from: source, to: target)
        }

        /// Moves every key left in the slot (other tests' keys may share it).
        func migrateRest(from: RedisConnection, to: RedisConnection) throws {
            while let keys = try from.send("CLUSTER", "GETKEYSINSLOT", .int(Int64(slot)), 100).array, !keys.isEmpty {
                try Self.migrate(keys.compactMap(\.string), from: from, to: to)
            }
        }

        static func migrate(_ keys: [String], from: RedisConnection, to: RedisConnection) throws {
            guard !keys.isEmpty else { return }
            try from.send(
                ["MIGRATE", .string(to.configuration.host), .int(Int64(to.configuration.port)), "", 0, 5000, "KEYS"]
                    + keys.map { .string($0) })
        }

        func beginMigrationBack() throws {
            try source.send("CLUSTER", "SETSLOT", .int(Int64(slot)), "IMPORTING", .string(targetID))
            try target.send("CLUSTER", "SETSLOT", .int(Int64(slot)), "MIGRATING", .string(sourceID))
        }

        func finish(owner: String) throws {
            for master in everyMaster {
                try master.send("CLUSTER", "SETSLOT", .int(Int64(slot)), "NODE", .string(owner))
            }
        }
    }

    @Test("a slot moving between masters: ASK during the migration and MOVED after it are followed by both clients")
    func redirectionsDuringResharding() async throws {
        let blocking = try RedisClusterConnection(configuration: Self.clusterConfiguration())
        let pool = RedisClusterEventLoopPool(configuration: try Self.clusterConfiguration())
        defer { pool.shutdown() }
        let tag = TestServices.uniqueName("reshard")
        let keys = (0..<6).map { "{\(tag)}:\($0)" }
        let slot = RedisClusterSlot.of(keys[0])
        let map = blocking.slotMap
        let sourceNode = try #require(map.master(ofSlot: slot))
        let targetNode = try #require(map.masters.first { $0 != sourceNode })
        let masters = try map.masters.map { try Self.connect(port: $0.port) }
        let source = try Self.connect(port: sourceNode.port)
        let target = try Self.connect(port: targetNode.port)
        let move = SlotMove(
            slot: slot, source: source, target: target,
            sourceID: try #require(source.send("CLUSTER", "MYID").string),
            targetID: try #require(target.send("CLUSTER", "MYID").string), everyMaster: masters)
        var fill = RedisPipeline()
        for key in keys { fill.append("SET", .string(key), .string("at-source")) }
        _ = try blocking.execute(fill)
        _ = try await pool.execute(fill)
        var read = RedisPipeline()
        for key in keys { read.append("GET", .string(key)) }
        let values = [RedisValue](repeating: .bulkString(Array("at-source".utf8)), count: keys.count)

        try move.beginMigration()
        var moved = false
        defer {
            // Back to the source whatever happened, so other tests see the cluster as it was.
            if !moved {
                try? move.beginMigrationBack()
                try? move.migrateRest(from: target, to: source)
                try? move.finish(owner: move.sourceID)
            }
        }
        try move.migrate(Array(keys.prefix(3)))
        // Half the keys are at the target: the source answers ASK for them.
        let asked = try source.execute(read)
        #expect(asked.prefix(3).allSatisfy { $0.errorMessage == "ASK \(slot) \(targetNode)" }, "\(asked)")
        #expect(try blocking.execute(read) == values)
        #expect(try await pool.execute(read) == values)

        try move.migrate(Array(keys.suffix(3)))
        try move.migrateRest(from: source, to: target)
        try move.finish(owner: move.targetID)
        // The clients' maps still name the source, which now answers MOVED.
        #expect(try source.execute(read).allSatisfy { $0.errorMessage == "MOVED \(slot) \(targetNode)" })
        #expect(try blocking.execute(read) == values)
        #expect(blocking.slotMap.master(ofSlot: slot) == targetNode, "MOVED makes the client read the map again")
        #expect(try await pool.execute(read) == values)
        #expect(pool.slotMap.master(ofSlot: slot) == targetNode)

        // And back, keys included.
        try move.beginMigrationBack()
        try move.migrateRest(from: target, to: source)
        try move.finish(owner: move.sourceID)
        moved = true
        #expect(try blocking.execute(read) == values)
        var cleanup = RedisPipeline()
        for key in keys { cleanup.append("DEL", .string(key)) }
        #expect(try await pool.execute(cleanup) == [RedisValue](repeating: .integer(1), count: keys.count))
    }
}

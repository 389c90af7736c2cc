import SluiceRedis
import SluiceTesting
import Testing

/// The slot arithmetic and the slot map against the stack's real Redis Cluster (three masters,
/// one replica each: `scripts/stack cluster up`).
@Suite("Redis Cluster: slots and routing on a real cluster")
struct RedisClusterTests {
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
}

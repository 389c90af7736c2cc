import SluiceRedis
import Testing

@Suite("Redis Cluster: key slots and the slot map")
struct RedisClusterSlotTests {
    @Test("CRC16-XMODEM's check value, and the cluster specification's hash-tag rules")
    func slots() {
        // The XMODEM check value: CRC16("123456789") = 0x31C3.
        #expect(RedisClusterSlot.of("123456789") == 0x31C3 & 0x3FFF)
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("{user1000}.followers"))
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("user1000"))
        // The first `{` with a `}` after it decides; an empty tag hashes the whole key.
        #expect(RedisClusterSlot.of("foo{}{bar}") == RedisClusterSlot.of("foo{}{bar}".utf8))
        #expect(RedisClusterSlot.of("foo{}{bar}") != RedisClusterSlot.of("bar"))
        #expect(RedisClusterSlot.of("foo{{bar}}zap") == RedisClusterSlot.of("{bar"))
        #expect(RedisClusterSlot.of("foo{bar}{zap}") == RedisClusterSlot.of("bar"))
        #expect((0..<1000).allSatisfy { RedisClusterSlot.of("key-\($0)") < RedisClusterSlot.count })
    }

    @Test("a CLUSTER SLOTS reply maps every slot to its master; a malformed one is refused")
    func slotMap() throws {
        func node(_ port: Int64) -> RedisValue { .array([.bulkString(Array("127.0.0.1".utf8)), .integer(port)]) }
        let reply = RedisValue.array([
            .array([.integer(0), .integer(5460), node(7000), node(7004)]),
            .array([.integer(5461), .integer(10922), node(7001), node(7005)]),
            .array([.integer(10923), .integer(16383), node(7002), node(7003)]),
        ])
        let map = try RedisClusterSlotMap(clusterSlots: reply)
        #expect(map.uncoveredSlots == 0)
        #expect(map.master(ofSlot: 0)?.port == 7000 && map.master(ofSlot: 5461)?.port == 7001)
        #expect(map.master(ofSlot: 16383)?.description == "127.0.0.1:7002")
        #expect(map.masters.map(\.port) == [7000, 7001, 7002])
        #expect(map.ranges[0].replicas.map(\.port) == [7004])
        let partial = try RedisClusterSlotMap(clusterSlots: .array([.array([.integer(0), .integer(99), node(7000)])]))
        #expect(partial.uncoveredSlots == 16_284 && partial.master(ofSlot: 100) == nil)
        #expect(throws: RedisError.self) { try RedisClusterSlotMap(clusterSlots: .status("OK")) }
        #expect(throws: RedisError.self) {
            try RedisClusterSlotMap(clusterSlots: .array([.array([.integer(5), .integer(2), node(7000)])]))
        }
    }
}

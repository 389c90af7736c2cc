import Testing

@testable import SluiceRedis

@Suite("Redis Cluster: splitting pipelines by slot and following redirections")
struct RedisClusterRoutingTests {
    static let map = RedisClusterSlotMap(ranges: [
        .init(
            slots: 0...5460, master: .init(host: "127.0.0.1", port: 7000),
            replicas: [.init(host: "127.0.0.1", port: 7004)]),
        .init(slots: 5461...10922, master: .init(host: "127.0.0.1", port: 7001), replicas: []),
        .init(
            slots: 10923...16383, master: .init(host: "127.0.0.1", port: 7002),
            replicas: [.init(host: "127.0.0.1", port: 7003)]),
    ])

    static func commands(_ pipeline: RedisPipeline) -> [RedisClusterRound.Command] {
        RedisCommandSpan.spans(of: pipeline).enumerated().map {
            .init(index: $0.offset, bytes: pipeline.encoded[$0.element.bytes], slot: $0.element.slot, redirect: nil)
        }
    }

    @Test("each command's span re-encodes it, and its slot is its key's (scripts by their first key; PING has none)")
    func spans() {
        var pipeline = RedisPipeline()
        let keys = (0..<200).map { "sluice:fraud:card:0badf00d:card-\($0)" } + ["{tag}a", "é", ""]
        for key in keys { pipeline.append("HSET", .string(key), "f", .bytes([0, 13, 10, 36, 42])) }
        pipeline.append("ping")
        pipeline.append("EVALSHA", "abc", 2, "{t}k1", "{t}k2", "arg")
        pipeline.append("EVALSHA", "abc", 0, "notakey")
        pipeline.append("hgetall", "lower")
        let spans = RedisCommandSpan.spans(of: pipeline)
        #expect(spans.count == pipeline.count)
        #expect(
            spans.map(\.slot) == keys.map { RedisClusterSlot.of($0) } + [
                nil, RedisClusterSlot.of("t"), nil, RedisClusterSlot.of("lower"),
            ])
        #expect(spans.flatMap { pipeline.encoded[$0.bytes] } == pipeline.encoded)
        #expect(zip(spans, spans.dropFirst()).allSatisfy { $0.bytes.upperBound == $1.bytes.lowerBound })
    }

    @Test("a round sends each node its commands in order; replies are filed back in the pipeline's order")
    func round() throws {
        var pipeline = RedisPipeline()
        let keys = (0..<300).map { "key-\($0)" }
        for key in keys { pipeline.append("GET", .string(key)) }
        pipeline.append("PING")
        let round = try RedisClusterRound(commands: Self.commands(pipeline), map: Self.map, replicaWait: nil)
        #expect(round.requests.count == 3)
        var results = [RedisValue?](repeating: nil, count: pipeline.count)
        for (position, request) in round.requests.enumerated() {
            let spans = RedisCommandSpan.spans(of: request.pipeline)
            #expect(spans.allSatisfy { $0.slot.map { Self.map.master(ofSlot: $0) == request.node } ?? true })
            let indices = request.entries.map { round.commands[$0].index }
            #expect(indices == indices.sorted(), "a node's share keeps the pipeline's order")
            let replies = indices.map { RedisValue.integer(Int64($0)) }
            #expect(try round.absorb(replies, of: position, into: &results).isEmpty)
        }
        #expect(results.map { $0?.int } == (0..<pipeline.count).map { Int64($0) })
    }

    @Test("a pipeline whose commands all go to one node is sent whole; a mixed one is split")
    func wholePipeline() throws {
        var single = RedisPipeline()
        for index in 0..<20 { single.append("HGETALL", .string("{card-7}:\(index)")) }
        let one = try RedisClusterRound(commands: Self.commands(single), map: Self.map, replicaWait: nil, whole: single)
        #expect(one.requests.count == 1 && one.requests[0].pipeline.encoded == single.encoded)
        #expect(one.requests[0].entries == Array(0..<20))
        var mixed = single
        mixed.append("GET", "key-1")
        mixed.append("GET", "key-2")
        let split = try RedisClusterRound(commands: Self.commands(mixed), map: Self.map, replicaWait: nil, whole: mixed)
        #expect(split.requests.count > 1)
        #expect(split.requests.reduce(0) { $0 + $1.pipeline.count } == mixed.count)
    }

    @Test("MOVED and ASK replies become the next round's commands, to the node they name (ASK after ASKING)")
    func redirections() throws {
        var pipeline = RedisPipeline()
        pipeline.append("GET", "a")
        pipeline.append("GET", "b")
        let first = try RedisClusterRound(
            commands: Self.commands(pipeline).map {
                var c = $0
                c.slot = 0
                return c
            }, map: Self.map, replicaWait: nil)
        #expect(first.requests.count == 1)
        var results = [RedisValue?](repeating: nil, count: 2)
        let redirected = try first.absorb(
            [.error("MOVED 3999 127.0.0.1:7002"), .error("ASK 3999 [::1]:7001")], of: 0, into: &results)
        #expect(redirected.map(\.index) == [0, 1])
        #expect(
            redirected.map(\.redirect) == [
                RedisClusterRound.Redirect("MOVED 1 127.0.0.1:7002"), RedisClusterRound.Redirect("ASK 1 [::1]:7001"),
            ])
        #expect(redirected[1].redirect?.node == .init(host: "::1", port: 7001))
        let second = try RedisClusterRound(commands: redirected, map: Self.map, replicaWait: nil)
        #expect(second.requests.map(\.node.port) == [7002, 7001])
        #expect(second.requests[1].pipeline.count == 2, "ASKING, then the command")
        #expect(second.requests[1].entries.first == RedisClusterRound.asking)
        #expect(try second.absorb([.bulkString(Array("A".utf8))], of: 0, into: &results).isEmpty)
        #expect(try second.absorb([.status("OK"), .bulkString(Array("B".utf8))], of: 1, into: &results).isEmpty)
        #expect(results == [.bulkString(Array("A".utf8)), .bulkString(Array("B".utf8))])
        #expect(RedisClusterRound.Redirect("ERR wrong") == nil && RedisClusterRound.Redirect("MOVED x") == nil)
    }

    @Test(
        "durable writes end with WAIT on nodes that have a replica; a short WAIT, CLUSTERDOWN or an unserved slot fail")
    func durability() throws {
        var pipeline = RedisPipeline()
        for key in (0..<50).map({ "k\($0)" }) { pipeline.append("SET", .string(key), "1") }
        let round = try RedisClusterRound(
            commands: Self.commands(pipeline), map: Self.map, replicaWait: .milliseconds(1500))
        for (position, request) in round.requests.enumerated() {
            let waits = request.node.port != 7001
            #expect((request.entries.last == RedisClusterRound.replicaWait) == waits)
            guard waits else { continue }
            #expect(
                request.pipeline.encoded.suffix(27)
                    == Array("*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$4\r\n1500\r\n".utf8).suffix(27))
            var results = [RedisValue?](repeating: nil, count: pipeline.count)
            let replies = request.entries.dropLast().map { _ in RedisValue.status("OK") }
            let error = #expect(throws: RedisError.self) {
                try round.absorb(replies + [.integer(0)], of: position, into: &results)
            }
            #expect(error?.code == .clusterUnavailable && error?.isRetriable == true)
            #expect(try round.absorb(replies + [.integer(1)], of: position, into: &results).isEmpty)
        }
        var results = [RedisValue?](repeating: nil, count: pipeline.count)
        let down = #expect(throws: RedisError.self) {
            try round.absorb([.error("CLUSTERDOWN The cluster is down")], of: 0, into: &results)
        }
        #expect(down?.code == .clusterUnavailable)
        let partial = RedisClusterSlotMap(ranges: [Self.map.ranges[0]])
        let unserved = #expect(throws: RedisError.self) {
            try RedisClusterRound(commands: Self.commands(pipeline), map: partial, replicaWait: nil)
        }
        #expect(unserved?.code == .clusterUnavailable && unserved?.message.contains("serves slot") == true)
    }
}

import SluiceRedis
import SluiceTesting
import Testing

/// Against the real local Redis (`scripts/stack up`).
@Suite("Redis pool against the local server", .timeLimit(.minutes(2)))
struct RedisPoolTests {
    @Test("concurrent pipelines sent together each get their own replies, in order", arguments: [1, 2])
    func autoPipelinedReplies(connections: Int) async throws {
        let pool = RedisPool(configuration: try TestServices.redisConfiguration(), size: connections)
        defer { pool.shutdown() }
        // 400 callers at once, with pipelines of 1 to 7 commands: far more than the workers,
        // so queued pipelines share writes.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<400 {
                group.addTask {
                    var pipeline = RedisPipeline(reservingCapacity: 256)
                    let commands = 1 + caller % 7
                    for command in 0..<commands { pipeline.append("ECHO", .string("\(caller)/\(command)")) }
                    let replies = try await pool.execute(pipeline)
                    #expect(replies.map(\.string) == (0..<commands).map { "\(caller)/\($0)" })
                }
            }
            try await group.waitForAll()
        }
    }

    @Test("an error reply stays with its own caller")
    func errorRepliesStayInPlace() async throws {
        let pool = RedisPool(configuration: try TestServices.redisConfiguration(), size: 1)
        defer { pool.shutdown() }
        async let bad = pool.execute(Self.pipeline(["NOSUCHCOMMAND"], ["ECHO", "after"]))
        async let good = pool.execute(Self.pipeline(["ECHO", "fine"]))
        let (badReplies, goodReplies) = try await (bad, good)
        #expect(badReplies[0].errorMessage != nil)
        #expect(badReplies[1].string == "after")
        #expect(goodReplies.map(\.string) == ["fine"])
    }

    @Test("an unreachable Redis fails every queued caller quickly")
    func unreachable() async throws {
        var configuration = try TestServices.redisConfiguration()
        configuration.port = 1  // nothing listens there
        configuration.reconnect = RedisReconnectPolicy(maxAttempts: 1)
        let pool = RedisPool(configuration: configuration, size: 1)
        defer { pool.shutdown() }
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try await pool.execute(Self.pipeline(["PING"]))
                        return false
                    } catch {
                        return (error as? RedisError)?.code == .connectionFailed
                    }
                }
            }
            for await failed in group { #expect(failed) }
        }
    }

    static func pipeline(_ commands: [RedisArgument]...) -> RedisPipeline {
        var pipeline = RedisPipeline(reservingCapacity: 256)
        for command in commands { pipeline.append(command) }
        return pipeline
    }
}

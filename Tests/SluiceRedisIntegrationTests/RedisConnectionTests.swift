import Foundation
import SluiceRedis
import SluiceRedisTesting
import SluiceTesting
import Testing

/// Against the real local Redis (`scripts/stack up`).
@Suite("Redis connection against the local server", .timeLimit(.minutes(2)))
struct RedisConnectionTests {
    @Test("100k pipelined HSETs land in one hash")
    func pipelinedWrites() throws {
        let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
        let key = TestServices.uniqueName("hash")
        defer { _ = try? connection.send("DEL", .string(key)) }
        var pipeline = RedisPipeline(reservingCapacity: 1 << 20)
        var written = 0
        for chunk in stride(from: 0, to: 100_000, by: 10_000) {
            pipeline.removeAll(keepingCapacity: true)
            for field in chunk..<chunk + 10_000 {
                pipeline.beginCommand(argumentCount: 4)
                pipeline.add("HSET")
                pipeline.add(key)
                pipeline.add("f\(field)")
                pipeline.add(Int64(field) * 3)
            }
            let replies = try connection.execute(pipeline)
            #expect(replies.count == 10_000)
            written += replies.filter { $0 == .integer(1) }.count
        }
        #expect(written == 100_000)
        #expect(try connection.send("HLEN", .string(key)) == .integer(100_000))
        #expect(try connection.send("HGET", .string(key), "f99999").int == 299_997)
    }

    @Test("pipelines written as parts, megabytes each, are answered in order, plainly and as one transaction")
    func parts() throws {
        let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
        let key = TestServices.uniqueName("parts")
        defer { _ = try? connection.send("DEL", .string(key)) }
        // 20 MB in three parts and an empty one: far more than a socket takes in one send.
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 1 << 20)
        func part(_ fields: Range<Int>) -> RedisPipeline {
            var pipeline = RedisPipeline()
            for field in fields { pipeline.append("HSET", .string(key), .string("f\(field)"), .bytes(value)) }
            pipeline.append("HLEN", .string(key))
            return pipeline
        }
        let replies = try connection.execute(parts: [part(0..<8), RedisPipeline(), part(8..<10), part(10..<20)])
        #expect(replies.count == 23)
        #expect(replies[8] == .integer(8) && replies[11] == .integer(10) && replies[22] == .integer(20))
        #expect(replies.filter { $0 == .integer(1) }.count == 20)

        var other = RedisPipeline()
        other.append("HDEL", .string(key), "f0")
        let results = try connection.transaction(parts: [part(20..<22), other])
        #expect(results == [.integer(1), .integer(1), .integer(22), .integer(1)])
        #expect(try connection.send("HLEN", .string(key)) == .integer(21))
        #expect(try connection.send("PING") == .status("PONG"))
    }
    @Test("typed replies and errors: values, nulls, arrays, error replies in pipelines")
    func replies() throws {
        let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
        let key = TestServices.uniqueName("typed")
        defer { _ = try? connection.send("DEL", .string(key)) }
        var pipeline = RedisPipeline()
        pipeline.append("SET", .string(key), .double(2.5))
        pipeline.append("GET", .string(key))
        pipeline.append("HGET", .string(key), "field")  // WRONGTYPE, reported in place
        pipeline.append("GET", .string(key + "-missing"))
        pipeline.append("MGET", .string(key), .string(key + "-missing"))
        let replies = try connection.execute(pipeline)
        #expect(replies[0] == .status("OK"))
        #expect(replies[1].double == 2.5)
        #expect(replies[2].errorMessage?.hasPrefix("WRONGTYPE") == true)
        #expect(replies[3] == .null)
        #expect(replies[4] == .array([.bulkString(Array("2.5".utf8)), .null]))

        let error = #expect(throws: RedisError.self) { try connection.send("HGET", .string(key), "field") }
        #expect(error?.code == .serverError)
        #expect(error?.serverMessage?.hasPrefix("WRONGTYPE") == true)
        #expect(error?.isRetriable == false)
        // An error reply leaves the connection usable.
        #expect(try connection.send("PING") == .status("PONG"))
    }

    @Test("MULTI/EXEC is atomic: a concurrent reader never sees half a transaction")
    func transactionAtomicity() async throws {
        let key = TestServices.uniqueName("atomic")
        let left = key + ":left"
        let right = key + ":right"
        let writer = Task.detached {
            let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
            for _ in 0..<2_000 {
                var transaction = RedisPipeline()
                transaction.append("INCR", .string(left))
                transaction.append("INCR", .string(right))
                let results = try connection.transaction(transaction)
                #expect(results.count == 2)
            }
        }
        let reader = Task.detached { () -> Int in
            let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
            var torn = 0
            for _ in 0..<4_000 {
                let values = try connection.send("MGET", .string(left), .string(right)).array ?? []
                if values.count != 2 || values[0].int != values[1].int { torn += 1 }
            }
            return torn
        }
        try await writer.value
        #expect(try await reader.value == 0)
        let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
        #expect(try connection.send("MGET", .string(left), .string(right)).array?.map(\.int) == [2_000, 2_000])
        try connection.send("DEL", .string(left), .string(right))
    }

    @Test("a command rejected while queueing aborts the whole transaction")
    func transactionAbort() throws {
        let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
        let key = TestServices.uniqueName("abort")
        var transaction = RedisPipeline()
        transaction.append("SET", .string(key), "1")
        transaction.append("NOSUCHCOMMAND", .string(key))
        let error = #expect(throws: RedisError.self) { try connection.transaction(transaction) }
        #expect(error?.code == .transactionAborted)
        #expect(error?.serverMessage?.contains("unknown command") == true)
        #expect(try connection.send("EXISTS", .string(key)) == .integer(0))
    }

    @Test("EVALSHA loads the script when the server does not know it")
    func scripts() throws {
        let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
        let key = TestServices.uniqueName("script")
        defer { _ = try? connection.send("DEL", .string(key)) }
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1]) * 2 -- \(key)")
        #expect(try connection.send("SCRIPT", "EXISTS", .string(script.sha1)) == .array([.integer(0)]))
        #expect(try connection.evaluate(script, keys: [.string(key)], arguments: [5]) == .integer(10))
        #expect(try connection.send("SCRIPT", "EXISTS", .string(script.sha1)) == .array([.integer(1)]))
        #expect(try connection.evaluate(script, keys: [.string(key)], arguments: [1]) == .integer(12))
    }

    @Test("after CLIENT KILL the connection comes back by itself")
    func reconnectAfterKill() throws {
        let connection = try RedisConnection(configuration: TestServices.redisConfiguration())
        let killer = try RedisConnection(configuration: TestServices.redisConfiguration())
        let id = try #require(try connection.send("CLIENT", "ID").int)
        #expect(try killer.send("CLIENT", "KILL", "ID", .int(id)) == .integer(1))

        // The command that meets the dead socket fails, saying the connection broke; the next reconnects.
        let error = #expect(throws: RedisError.self) { try connection.send("PING") }
        #expect(error?.code == .connectionLost)
        #expect(error?.isRetriable == true)
        #expect(try connection.send("PING") == .status("PONG"))
        #expect(connection.reconnectCount == 1)
        #expect(try connection.send("CLIENT", "ID").int != id)

        // `retrying` hides the break entirely for idempotent work.
        let newID = try #require(try connection.send("CLIENT", "ID").int)
        try killer.send("CLIENT", "KILL", "ID", .int(newID))
        #expect(try connection.retrying { (redis) throws(RedisError) in try redis.send("PING") } == .status("PONG"))
    }

    @Test("a command that outlives the timeout fails with timedOut, and the connection recovers")
    func commandTimeout() throws {
        var configuration = try TestServices.redisConfiguration()
        configuration.commandTimeout = .milliseconds(200)
        let connection = try RedisConnection(configuration: configuration)
        let started = ContinuousClock.now
        let error = #expect(throws: RedisError.self) {
            try connection.send("BLPOP", .string(TestServices.uniqueName("empty")), 2)
        }
        #expect(error?.code == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(try connection.send("PING") == .status("PONG"))
    }

    @Test("ACL users authenticate from the URL and land in the selected database")
    func aclUser() throws {
        let admin = try RedisConnection(configuration: TestServices.redisConfiguration())
        let user = TestServices.uniqueName("user")
        try admin.send("ACL", "SETUSER", .string(user), "on", ">pa:ss@word", "~*", "&*", "+@all")
        defer { _ = try? admin.send("ACL", "DELUSER", .string(user)) }
        let base = try TestServices.redisConfiguration()

        let url = "redis://\(user):pa%3Ass%40word@\(base.host):\(base.port)/3"
        let connection = try RedisConnection(configuration: RedisConfiguration(url: url))
        #expect(try connection.send("ACL", "WHOAMI").string == user)
        let info = try connection.send("CLIENT", "INFO").string ?? ""
        #expect(info.contains(" db=3 "))

        var wrong = try RedisConfiguration(url: "redis://\(user):wrong@\(base.host):\(base.port)/0")
        wrong.reconnect.maxAttempts = 3
        let error = #expect(throws: RedisError.self) { try RedisConnection(configuration: wrong) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("wrong") == false)
    }

    @Test("a subscriber receives published messages and keyspace notifications, in order")
    func subscriber() throws {
        let configuration = try TestServices.redisConfiguration()
        let connection = try RedisConnection(configuration: configuration)
        let channel = TestServices.uniqueName("channel")
        let key = TestServices.uniqueName("watched")
        defer { _ = try? connection.send("DEL", .string(key)) }
        let previous = try connection.send("CONFIG", "GET", "notify-keyspace-events").array?.last?.string ?? ""
        try connection.send("CONFIG", "SET", "notify-keyspace-events", "Kh")
        defer { _ = try? connection.send("CONFIG", "SET", "notify-keyspace-events", .string(previous)) }
        let subscriber = try RedisSubscriber(
            configuration: configuration,
            commands: [
                ["SUBSCRIBE", .string(channel)],
                ["PSUBSCRIBE", .string("__keyspace@\(configuration.database)__:\(key)*")],
            ])
        // Redis registers the subscriptions when it reads them: publish only after that.
        func subscribed() throws -> Bool {
            let channels = try connection.send("PUBSUB", "NUMSUB", .string(channel)).array?.last?.int ?? 0
            let patterns = try connection.send("PUBSUB", "NUMPAT").int ?? 0
            return channels == 1 && patterns >= 1
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while try !subscribed() && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try #require(try subscribed())
        try connection.send("PUBLISH", .string(channel), "first")
        try connection.send("HSET", .string(key), "f", "1")
        try connection.send("PUBLISH", .string(channel), .bytes([0, 255, 10]))
        #expect(
            try subscriber.next()
                == RedisSubscriber.Message(pattern: nil, channel: channel, payload: Array("first".utf8)))
        let notification = try subscriber.next()
        #expect(notification.pattern == "__keyspace@\(configuration.database)__:\(key)*")
        #expect(notification.channel == "__keyspace@\(configuration.database)__:\(key)")
        #expect(notification.payload == Array("hset".utf8))
        #expect(
            try subscriber.next() == RedisSubscriber.Message(pattern: nil, channel: channel, payload: [0, 255, 10]))
    }
}

/// Failure modes that need a server of their own, or none at all.
@Suite("Redis failure modes", .timeLimit(.minutes(1)))
struct RedisFailureTests {
    @Test("no server: a clear connectionFailed error within the backoff budget")
    func serverDown() {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: TestServices.closedPort)
        configuration.reconnect = RedisReconnectPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20))
        let started = ContinuousClock.now
        let error = #expect(throws: RedisError.self) { try RedisConnection(configuration: configuration) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("127.0.0.1:\(TestServices.closedPort)") == true)
        #expect(error?.message.contains("3 attempts") == true)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test("a password-only server: AUTH with the password, refusal without it")
    func passwordOnly() async throws {
        let port = try TestProcess.freePort()
        let server = try TestProcess(
            TestProcess.which("redis-server"),
            [
                "--port", "\(port)", "--bind", "127.0.0.1", "--requirepass", "hunter2", "--save", "", "--appendonly",
                "no",
            ])
        defer { server.stop() }
        try await TestProcess.waitForPort(port)

        let connection = try RedisConnection(
            configuration: RedisConfiguration(url: "redis://:hunter2@127.0.0.1:\(port)/1"))
        #expect(try connection.send("PING") == .status("PONG"))

        let error = #expect(throws: RedisError.self) {
            try RedisConnection(configuration: RedisConfiguration(url: "redis://127.0.0.1:\(port)/0"))
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("requires a password") == true)
    }

    @Test("a peer that does not speak RESP is a protocolError")
    func protocolError() async throws {
        let port = try TestProcess.freePort()
        let python = try TestProcess.which("python3")
        let server = try TestProcess(
            python,
            [
                "-c",
                """
                import socket
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", \(port))); s.listen(4)
                while True:
                    c, _ = s.accept(); c.recv(65536); c.sendall(b"HTTP/1.1 400 Bad Request\\r\\n\\r\\n"); c.close()
                """,
            ])
        defer { server.stop() }
        try await TestProcess.waitForPort(port)
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.clientName = nil
        let connection = try RedisConnection(configuration: configuration)
        let error = #expect(throws: RedisError.self) { try connection.send("PING") }
        #expect(error?.code == .protocolError)
    }
}

import Foundation
import NIOCore
import NIOPosix
import SluiceRedis
import SluiceRedisTesting
import SluiceTesting
import Synchronization
import Testing

/// The serving path's Redis client, against the real local Redis (`scripts/stack up`).
@Suite("Redis on the event loops against the local server", .timeLimit(.minutes(2)))
struct RedisEventLoopPoolTests {
    @Test("concurrent pipelines written together each get their own replies, in order")
    func autoPipelinedReplies() async throws {
        let pool = RedisEventLoopPool(configuration: try TestServices.redisConfiguration())
        defer { pool.shutdown() }
        // 400 callers at once, with pipelines of 1 to 7 commands, on both loops: many share a write.
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

    @Test("a reply larger than one read arrives whole, nested arrays and nulls included")
    func largeAndNestedReplies() async throws {
        var configuration = try TestServices.redisConfiguration()
        // What is checked is the replies' framing, not their time: under the full suite the two
        // cores also run brokers, engines and monitors, and a 700 KB reply once took over 5 s.
        configuration.commandTimeout = .seconds(60)
        let key = TestServices.uniqueName("loop-pool-hash")
        let setup = try RedisConnection(configuration: configuration)
        defer { _ = try? setup.send("DEL", .string(key)) }
        var fill = RedisPipeline()
        // 3,000 fields of 200 bytes: about 700 KB, far more than a socket read.
        for batch in stride(from: 0, to: 3_000, by: 500) {
            var command: [RedisArgument] = ["HSET", .string(key)]
            for field in batch..<(batch + 500) {
                command += [.string("f\(field)"), .string(String(repeating: "v", count: 190) + "\(field)")]
            }
            fill.append(command)
        }
        _ = try setup.execute(fill)

        let pool = RedisEventLoopPool(configuration: configuration)
        defer { pool.shutdown() }
        var pipeline = RedisPipeline()
        pipeline.append("HGETALL", .string(key))
        pipeline.append("GET", .string(key + "-missing"))
        pipeline.append("EVAL", "return {1, {'a', false}, 'b'}", 0)
        pipeline.append("INCRBY", .string(key + "-counter"), -7)
        pipeline.append("DEL", .string(key + "-counter"))
        // Integer replies at both ends of Int64: 19 digits each.
        pipeline.append("INCRBY", .string(key + "-counter"), .int(.max))
        pipeline.append("DEL", .string(key + "-counter"))
        pipeline.append("INCRBY", .string(key + "-counter"), .int(.min))
        pipeline.append("DEL", .string(key + "-counter"))
        let replies = try await pool.execute(pipeline)
        let fields = try #require(replies[0].array)
        #expect(fields.count == 6_000)
        let decoded = Dictionary(
            uniqueKeysWithValues: stride(from: 0, to: fields.count, by: 2).map {
                (fields[$0].string!, fields[$0 + 1].string!)
            })
        #expect(decoded["f2999"] == String(repeating: "v", count: 190) + "2999")
        #expect(replies[1] == .null)
        #expect(
            replies[2]
                == .array([.integer(1), .array([.bulkString(Array("a".utf8)), .null]), .bulkString(Array("b".utf8))]))
        #expect(replies[3] == .integer(-7))
        #expect(replies[5] == .integer(.max))
        #expect(replies[7] == .integer(.min))
    }

    @Test("an error reply stays with its own caller")
    func errorRepliesStayInPlace() async throws {
        let pool = RedisEventLoopPool(configuration: try TestServices.redisConfiguration())
        defer { pool.shutdown() }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let bad = pool.execute(Self.pipeline(["NOSUCHCOMMAND"], ["ECHO", "after"]), on: loop)
        let good = pool.execute(Self.pipeline(["ECHO", "fine"]), on: loop)
        let (badReplies, goodReplies) = try await (bad.get(), good.get())
        #expect(badReplies[0].errorMessage != nil)
        #expect(badReplies[1].string == "after")
        #expect(goodReplies.map(\.string) == ["fine"])
    }

    @Test("a connection Redis closed is made again for the next pipeline")
    func reconnectsAfterKill() async throws {
        var configuration = try TestServices.redisConfiguration()
        let name = "loop-pool-" + String(TestServices.uniqueName("k").suffix(8))
        configuration.clientName = name
        let pool = RedisEventLoopPool(configuration: configuration)
        defer { pool.shutdown() }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        #expect(try await pool.execute(Self.pipeline(["PING"]), on: loop).get() == [.status("PONG")])
        let admin = try RedisConnection(configuration: try TestServices.redisConfiguration())
        let list = try admin.send("CLIENT", "LIST").string ?? ""
        let id = try #require(
            list.split(separator: "\n").first { $0.contains("name=\(name) ") }?
                .split(separator: " ").first { $0.hasPrefix("id=") }?.dropFirst(3))
        _ = try admin.send("CLIENT", "KILL", "ID", .string(String(id)))
        // The close may not have been seen yet: at most one pipeline fails, with connectionLost.
        var answered = false
        for _ in 0..<3 where !answered {
            do {
                answered =
                    try await pool.execute(Self.pipeline(["ECHO", "back"]), on: loop).get() == [
                        .bulkString(Array("back".utf8))
                    ]
            } catch {
                #expect((error as? RedisError)?.code == .connectionLost, "\(error)")
            }
        }
        #expect(answered)
    }

    @Test("an unreachable Redis fails every caller quickly")
    func unreachable() async throws {
        var configuration = try TestServices.redisConfiguration()
        configuration.port = 1  // nothing listens there
        let pool = RedisEventLoopPool(configuration: configuration)
        defer { pool.shutdown() }
        // Timed on the event loop, from the first send to the last failure: what a waiting task
        // sees also depends on when the (busy, in a full test run) task pool resumes it.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let outcomes = try await loop.flatSubmit {
            let started = NIODeadline.now()
            let attempts = (0..<20).map { _ in
                pool.execute(Self.pipeline(["PING"]), on: loop).map { _ in RedisError?.none }.recover {
                    $0 as? RedisError
                }
            }
            return EventLoopFuture.whenAllSucceed(attempts, on: loop).map { ($0, NIODeadline.now() - started) }
        }.get()
        for failure in outcomes.0 {
            #expect(
                failure?.code == .connectionFailed && failure?.message.contains("127.0.0.1:1") == true,
                "\(String(describing: failure))")
        }
        #expect(outcomes.1 < .seconds(1), "\(outcomes.1)")
    }

    @Test("a Redis that never answers times out, and the connection is not reused")
    func silentServerTimesOut() async throws {
        let silent = try SilentListener()
        var configuration = RedisConfiguration(host: "127.0.0.1", port: silent.port)
        configuration.clientName = nil
        configuration.commandTimeout = .milliseconds(150)
        let pool = RedisEventLoopPool(configuration: configuration)
        defer { pool.shutdown() }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        for _ in 0..<2 {
            // Timed on the event loop, as above.
            let (failure, elapsed) = try await loop.flatSubmit {
                let started = NIODeadline.now()
                return pool.execute(Self.pipeline(["PING"]), on: loop).map { _ in RedisError?.none }.recover {
                    $0 as? RedisError
                }
                .map { ($0, NIODeadline.now() - started) }
            }.get()
            #expect(failure?.code == .timedOut, "\(String(describing: failure))")
            #expect(elapsed >= .milliseconds(140) && elapsed < .seconds(2), "\(elapsed)")
        }
        #expect(silent.acceptedConnections() == 2, "a timed-out connection must be replaced, not reused")
    }

    static func pipeline(_ commands: [RedisArgument]...) -> RedisPipeline {
        var pipeline = RedisPipeline(reservingCapacity: 256)
        for command in commands { pipeline.append(command) }
        return pipeline
    }
}

/// A TCP listener on loopback that accepts connections and never writes a byte.
final class SilentListener: @unchecked Sendable {
    let port: Int
    private let socketDescriptor: Int32
    private final class Accepted: Sendable {
        let descriptors = Mutex<[Int32]>([])
    }
    private let accepted = Accepted()
    private let thread: Thread

    init() throws {
        socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let descriptor = socketDescriptor
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw TestFailure("cannot listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let accepted = self.accepted
        thread = Thread {
            while true {
                let connection = accept(descriptor, nil, nil)
                guard connection >= 0 else { return }
                accepted.descriptors.withLock { $0.append(connection) }
            }
        }
        thread.start()
    }

    func acceptedConnections() -> Int { accepted.descriptors.withLock { $0.count } }

    deinit {
        shutdown(socketDescriptor, Int32(SHUT_RDWR))
        close(socketDescriptor)
        for connection in accepted.descriptors.withLock({ $0 }) { close(connection) }
    }
}

import SluiceRedis
import Testing

@Suite("Redis URLs and settings")
struct RedisConfigurationTests {
    struct URLCase: Sendable, CustomTestStringConvertible {
        let url: String
        let host: String
        let port: Int
        let database: Int
        let username: String?
        let password: String?
        var testDescription: String { url }
    }

    @Test(
        "valid URLs",
        arguments: [
            URLCase(
                url: "redis://127.0.0.1:6379/0", host: "127.0.0.1", port: 6379, database: 0, username: nil,
                password: nil),
            URLCase(url: "redis://localhost", host: "localhost", port: 6379, database: 0, username: nil, password: nil),
            URLCase(
                url: "redis://cache.internal:7000/5", host: "cache.internal", port: 7000, database: 5, username: nil,
                password: nil),
            URLCase(url: "redis://:s3cret@h:1/2", host: "h", port: 1, database: 2, username: nil, password: "s3cret"),
            URLCase(
                url: "redis://alice:p%40ss%3Aw@h:6380/3", host: "h", port: 6380, database: 3, username: "alice",
                password: "p@ss:w"),
            URLCase(url: "redis://token@h", host: "h", port: 6379, database: 0, username: nil, password: "token"),
            URLCase(url: "redis://[::1]:6390/1", host: "::1", port: 6390, database: 1, username: nil, password: nil),
            URLCase(url: "redis://h:6379/", host: "h", port: 6379, database: 0, username: nil, password: nil),
        ])
    func parses(_ example: URLCase) throws {
        let configuration = try RedisConfiguration(url: example.url)
        #expect(configuration.host == example.host)
        #expect(configuration.port == example.port)
        #expect(configuration.database == example.database)
        #expect(configuration.username == example.username)
        #expect(configuration.password == example.password)
    }

    @Test(
        "invalid URLs are rejected with the reason, never echoing the password",
        arguments: [
            ("http://h:6379", "not a Redis URL"),
            ("rediss://h:6379", "TLS"),
            ("redis://h:99999/0", "port"),
            ("redis://h:abc", "port"),
            ("redis://h/x", "database"),
            ("redis://u:topsecret@h/-1", "database"),
            ("redis://", "no host"),
            ("redis://u:bad%zz@h", "percent"),
            ("redis+cluster://", "names no cluster node"),
            ("redis+cluster://a:7000,,b:7001", "names no cluster node"),
            ("redis+cluster://u:topsecret@a:7000,b:70000", "cluster node 'b:70000'"),
            ("redis+cluster://a:7000/2", "database 0 only"),
        ])
    func rejects(_ url: String, _ reason: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("topsecret") == false)
    }

    @Test("a cluster URL lists its seed nodes, credentials apply to every node, database 0")
    func clusterURL() throws {
        let configuration = try RedisConfiguration(url: "redis+cluster://alice:s%40cret@10.0.0.1:7000,[::1]:7001,h")
        #expect(
            configuration.clusterSeeds
                == [.init(host: "10.0.0.1", port: 7000), .init(host: "::1", port: 7001), .init(host: "h", port: 6379)])
        #expect(configuration.host == "10.0.0.1" && configuration.port == 7000 && configuration.database == 0)
        #expect(configuration.username == "alice" && configuration.password == "s@cret")
        #expect(configuration.displayURL == "redis+cluster://alice@10.0.0.1:7000,[::1]:7001,h:6379")
        let node = configuration.node(.init(host: "10.0.0.9", port: 7005))
        #expect(
            node.clusterSeeds == nil && node.password == "s@cret" && node.displayURL == "redis://alice@10.0.0.9:7005/0")
        let error = #expect(throws: RedisError.self) { try RedisConnection(configuration: configuration) }
        #expect(error?.message.contains("is a Redis Cluster") == true)
    }

    @Test("displayURL leaves the password out")
    func displayURL() throws {
        let configuration = try RedisConfiguration(url: "redis://alice:secret@h:6380/3")
        #expect(configuration.displayURL == "redis://alice@h:6380/3")
    }

    @Test("reconnect backoff doubles up to its cap")
    func backoff() {
        let policy = RedisReconnectPolicy(
            maxAttempts: 8, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(300))
        #expect(
            (1...6).map { policy.delay(beforeAttempt: $0) } == [
                .zero, .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(300),
                .milliseconds(300),
            ])
    }

    @Test(
        "script names are SHA-1 digests",
        arguments: [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            ("return 1", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
            (String(repeating: "a", count: 1000), "291e9a6c66994949b57ba5e650361e98fc36b1ba"),
        ])
    func sha1(_ source: String, _ digest: String) {
        #expect(RedisScript(source).sha1 == digest)
    }

    @Test("pipelines encode RESP exactly")
    func encoding() {
        var pipeline = RedisPipeline()
        pipeline.append("SET", "k", .int(-42))
        pipeline.beginCommand(argumentCount: 2)
        pipeline.add("GET")
        pipeline.add(bytes: [0, 255])
        #expect(pipeline.count == 2)
        #expect(
            pipeline.encoded
                == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n-42\r\n*2\r\n$3\r\nGET\r\n$2\r\n".utf8) + [
                    0, 255, 13, 10,
                ])
    }
}

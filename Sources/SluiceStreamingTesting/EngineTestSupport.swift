import Foundation
import Logging
import SluiceCore
import SluiceDemo
import SluiceKafka
import SluiceKafkaTesting
import SluiceOffline
import SluiceOnlineStore
import SluiceRedis
import SluiceRedisTesting
import SluiceRuntime
import SluiceStreaming
import SluiceTesting
import SluiceTopology

/// Fixtures for tests of the streaming engine against the real broker and Redis.
public enum EngineTestSupport {
    /// topologies/fraud.yaml renamed and pointed at `topic`, written to a temporary file (for
    /// subprocesses) and compiled (for in-process use).
    public static func fraudTopology(name: String, topic: String) throws -> (path: String, compiled: CompiledTopology) {
        var text = try String(contentsOfFile: TestRepository.path("topologies/fraud.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "name: fraud", with: "name: \(name)")
        text = text.replacingOccurrences(of: "topic: transactions\n", with: "topic: \(topic)\n")
        text = text.replacingOccurrences(
            of: "dead_letter_topic: transactions.dlq", with: "dead_letter_topic: \(topic).dlq")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, CompiledTopology(try TopologyLoader.load(file: path)))
    }

    /// Produces demo traffic to `topic` (created with `partitions`), event times over the last `span` ms.
    public static func produceDemo(
        topic: String, events: Int, seed: UInt64 = 7, malformed: Double = 0.01, partitions: Int = 4,
        span: Int64 = 7_200_000
    ) async throws -> DemoProducer.Summary {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var options = DemoGenerator.Options(events: events, startTime: now - span, span: span)
        options.seed = seed
        options.malformedFraction = malformed
        options.cards = max(50, events / 20)
        return try await DemoProducer.run(
            options: options, rate: nil, topic: topic, labelsTopic: nil, partitions: partitions,
            client: TestServices.kafkaClient, logger: Logger(label: "test.produce"))
    }

    /// Runs the engine in this process until every partition reached its end.
    public static func runUntilEnd(
        _ compiled: CompiledTopology, group: String? = nil, redisURL: String? = nil, maxCachedEntities: Int? = nil,
        batchSize: Int? = nil, offlineLog: FeatureLogOptions? = nil
    ) async throws {
        var configuration = EngineConfiguration(
            connection: ConnectionSettings(brokers: TestServices.brokers, redisURL: redisURL ?? TestServices.redisURL))
        configuration.groupID = group ?? TestServices.uniqueName("engine")
        configuration.untilEnd = true
        configuration.progressInterval = nil
        if let maxCachedEntities { configuration.maxCachedEntities = maxCachedEntities }
        if let batchSize { configuration.maxBatchMessages = batchSize }
        configuration.offlineLog = offlineLog
        var logger = Logger(label: "test.engine")
        logger.logLevel = .warning
        try await StreamEngine(compiled: compiled, configuration: configuration, logger: logger).runOnDedicatedThread()
    }

    /// Every Redis hash the topology owns, keyed without the `sluice:<name>:` prefix, with its
    /// fields and raw values. TTLs are left out: they depend on when keys were written.
    public static func dumpState(topologyName: String, redis configuration: RedisConfiguration? = nil) throws
        -> [String: [String: [UInt8]]]
    {
        let redis = try RedisClients.connect(configuration ?? TestServices.redisConfiguration())
        let prefix = OnlineStoreLayout.topologyPrefix(topologyName)
        var keys: [String] = []
        let nodes = (redis as? RedisClusterConnection)?.masterConfigurations ?? [redis.configuration]
        for node in nodes {
            let scanner = try RedisConnection(configuration: node)
            var cursor = "0"
            repeat {
                let reply =
                    try scanner.send("SCAN", .string(cursor), "MATCH", .string(prefix + "*"), "COUNT", 1000).array ?? []
                cursor = reply.first?.string ?? "0"
                keys += reply.last?.array?.compactMap(\.string) ?? []
            } while cursor != "0"
        }
        var state: [String: [String: [UInt8]]] = [:]
        var pipeline = RedisPipeline()
        for key in keys { pipeline.append("HGETALL", .string(key)) }
        for (key, reply) in zip(keys, try redis.execute(pipeline)) {
            let items = reply.array ?? []
            var fields: [String: [UInt8]] = [:]
            for index in stride(from: 0, to: items.count, by: 2) {
                fields[items[index].string ?? ""] = items[index + 1].bytes ?? []
            }
            state[String(key.dropFirst(prefix.count))] = fields
        }
        return state
    }

    /// Deletes the topology's keys.
    public static func clearState(topologyName: String, redis configuration: RedisConfiguration? = nil) throws {
        let redis = try RedisClients.connect(configuration ?? TestServices.redisConfiguration())
        var pipeline = RedisPipeline()
        for key in try dumpState(topologyName: topologyName, redis: redis.configuration).keys {
            pipeline.append("DEL", .string(OnlineStoreLayout.topologyPrefix(topologyName) + key))
        }
        _ = try redis.execute(pipeline)
    }
}

extension CompiledTopology {
    /// The online store's key names of this topology.
    public var storeKeys: OnlineStoreLayout { OnlineStoreLayout(compiled: self) }
}

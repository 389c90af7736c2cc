import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceKafka
import SluiceRedis
import SluiceRuntime
import Synchronization

/// The streaming job behind `sluice run`: consumes the topology's source topic in a consumer
/// group, computes tiles for every view, and keeps them in Redis with exactly-once effects.
///
/// Exactly-once: each entity's tile writes carry the offset of the newest event they hold, and
/// the partitions' next offset and newest event time are written after them (all in one
/// MULTI/EXEC when a feature log needs the state before each replayed event); a replay skips
/// what an entity already holds. On (re)assignment a partition is positioned from
/// the offset stored in Redis, never from the Kafka group's offset, so a crash at any moment
/// replays exactly the events whose effects were not written. Tiles are stored per source
/// partition (docs/storage.md), so only the owner of a partition writes them and several
/// processes produce the same state as one. Dead-letter records are flushed before the batch is
/// written: they are at-least-once.
///
/// Failures: bad events go to the dead-letter topic; when Redis fails, the batch is abandoned,
/// every partition is paused and later repositioned from Redis, with backoff; broker outages are
/// retried by librdkafka. Both are logged and counted.
///
/// Threading: `run` blocks its thread for the life of the job and owns every client it creates.
public final class StreamEngine: Sendable {
    public let compiled: CompiledTopology
    public let configuration: EngineConfiguration
    private let logger: Logger
    private let stopSignal = EngineStopSignal()

    public init(compiled: CompiledTopology, configuration: EngineConfiguration, logger: Logger) {
        self.compiled = compiled
        self.configuration = configuration
        self.logger = logger
    }

    /// Asks `run` to finish its current batch, commit, and return. Safe from any thread.
    public func stop() { stopSignal.stop() }

    public var groupID: String { configuration.groupID ?? "sluice-\(compiled.topology.name)" }

    /// Runs the job until `stop()` or, with `untilEnd`, until caught up. Blocks the calling thread.
    public func run() throws {
        var redisConfiguration = try configuration.connection.redisConfiguration()
        // The engine backs off between attempts itself, polling the consumer in between so it
        // keeps its group membership.
        redisConfiguration.reconnect.maxAttempts = 2
        redisConfiguration.commandTimeout = .seconds(10)
        let client = configuration.connection.kafkaClient
        try checkSourceTopic(client)
        let state = try EngineLoop(
            engine: self, redis: RedisClients.connect(redisConfiguration, logger: logger),
            writer: RedisClients.connect(redisConfiguration, logger: logger), client: client)
        try state.loop()
        // Freeing millions of tiles takes a while: let another thread do it, so that a run that
        // is done (and a process about to exit) does not wait for it.
        var partitions: [Int32: PartitionState] = [:]
        swap(&partitions, &state.partitions)
        BackgroundRelease.release(consume partitions)
    }

    /// `run` on a dedicated thread (never the cooperative pool), awaited.
    public func runOnDedicatedThread() async throws {
        try await DedicatedThread.run(name: "sluice.engine") { try self.run() }
    }

    private func checkSourceTopic(_ client: KafkaClientConfiguration) throws {
        let source = compiled.topology.source
        let metadata = try Self.blocking {
            try await KafkaAdmin(configuration: client, logger: self.logger).metadata(timeout: .seconds(10))
        }
        guard let topic = metadata.topic(source.topic) else {
            throw StreamingError(
                .sourceTopicMissing,
                "topic '\(source.topic)' does not exist on \(configuration.connection.brokers); "
                    + "produce events first (for example: sluice produce-demo --events 100000)")
        }
        if metadata.topic(source.deadLetterTopic) == nil {
            try Self.blocking {
                try await KafkaAdmin(configuration: client, logger: self.logger).createTopic(
                    source.deadLetterTopic, partitions: max(1, topic.partitions.count), ifNotExists: true)
            }
            logger.info("created dead-letter topic", metadata: ["topic": "\(source.deadLetterTopic)"])
        }
    }

    /// Runs async client calls from the engine's own (non-cooperative) thread.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    var isStopping: Bool { stopSignal.isStopped }
    var log: Logger { logger }
}

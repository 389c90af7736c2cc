import Logging
import SluiceKafka
import SluiceRedis
import SluiceRuntime

/// Checks that Sluice can run here: library versions, and whether the configured broker and Redis
/// answer.
public enum Doctor {
    public struct Check: Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public struct Report: Sendable {
        public var checks: [Check]
        public var passed: Bool { checks.allSatisfy(\.passed) }
    }

    public static func run(
        settings: ConnectionSettings, timeout: Duration = .seconds(3),
        logger: Logger = Logger(label: "sluice.doctor")
    ) async -> Report {
        var checks = [
            Check(name: "sluice", passed: true, detail: SluiceVersion.current),
            Check(name: "librdkafka", passed: true, detail: KafkaProducer.librdkafkaVersion),
            Check(name: "hiredis", passed: true, detail: RedisConnection.hiredisVersion),
        ]
        checks.append(await checkKafka(settings: settings, timeout: timeout, logger: logger))
        checks.append(checkRedis(settings: settings, timeout: timeout, logger: logger))
        return Report(checks: checks)
    }

    private static func checkKafka(settings: ConnectionSettings, timeout: Duration, logger: Logger) async -> Check {
        let name = "kafka \(settings.brokers)"
        do {
            var client = settings.kafkaClient
            client.clientID = "sluice-doctor"
            let admin = try KafkaAdmin(configuration: client, logger: logger)
            let metadata = try await admin.metadata(timeout: timeout)
            let topics = metadata.topics.filter { !$0.name.hasPrefix("__") }.count
            return Check(name: name, passed: true, detail: "\(metadata.brokers.count) broker(s), \(topics) topic(s)")
        } catch {
            return Check(name: name, passed: false, detail: error.message)
        }
    }

    private static func checkRedis(settings: ConnectionSettings, timeout: Duration, logger: Logger) -> Check {
        var name = "redis \(settings.redisURL)"
        do {
            var configuration = try settings.redisConfiguration()
            name = "redis \(configuration.displayURL)"
            configuration.connectTimeout = timeout
            configuration.commandTimeout = timeout
            configuration.reconnect.maxAttempts = 1
            let connection = try RedisClients.connect(configuration, logger: logger)
            let info = try connection.command(["INFO", "server"]).string ?? ""
            let version =
                info.split(whereSeparator: \.isNewline)
                .first { $0.hasPrefix("redis_version:") }?.dropFirst("redis_version:".count) ?? "?"
            guard let cluster = connection as? RedisClusterConnection else {
                return Check(name: name, passed: true, detail: "Redis \(version) answered")
            }
            let map = cluster.slotMap
            let detail =
                "Redis Cluster \(version): \(map.masters.count) masters, "
                + "\(RedisClusterSlot.count - map.uncoveredSlots) of \(RedisClusterSlot.count) slots served"
            return Check(name: name, passed: map.uncoveredSlots == 0, detail: detail)
        } catch {
            return Check(name: name, passed: false, detail: error.message)
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceRuntime

/// Where the broker and Redis are. Flags win over SLUICE_BROKERS / SLUICE_REDIS_URL, which win
/// over the local stack's defaults.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Kafka bootstrap brokers, host:port[,host:port]. (env: SLUICE_BROKERS; default: \(ConnectionSettings.defaultBrokers))"
    )
    var brokers: String?

    @Option(
        name: .long,
        help:
            "Redis URL redis://[user:password@]host:port/db, or redis+cluster://[user:password@]host:port[,host:port...] for a Redis Cluster. (env: SLUICE_REDIS_URL; default: \(ConnectionSettings.defaultRedisURL))"
    )
    var redis: String?

    @Option(
        name: .long,
        help:
            "A librdkafka property for every Kafka client, KEY=VALUE; repeatable. Applied last, so it overrides Sluice's own settings."
    )
    var kafkaProperty: [String] = []

    var settings: ConnectionSettings {
        var settings = ConnectionSettings.resolve(
            brokers: brokers, redisURL: redis, environment: ProcessInfo.processInfo.environment)
        for item in kafkaProperty {
            // validate() checked the form.
            let parts = item.split(separator: "=", maxSplits: 1)
            settings.kafkaProperties[String(parts[0])] = String(parts[1])
        }
        return settings
    }

    func validate() throws {
        for item in kafkaProperty {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--kafka-property '\(item)' is not KEY=VALUE, e.g. fetch.wait.max.ms=50")
            }
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceDemo
import SluiceKafka
import SluiceOnlineStore
import SluiceRedis
import SluiceTopology

/// Freshness: time from a producer's send to the moment the event's effect is readable in Redis
/// (`--watch redis`, with `sluice run` consuming), or to the moment a consumer doing no work
/// receives it (`--watch broker`, the baseline; run it alone, since a second consumer loads the
/// broker and so slows both).
struct FreshnessCommand: AsyncParsableCommand {
    enum Watch: String, ExpressibleByArgument { case redis, broker }

    static let configuration = CommandConfiguration(
        commandName: "freshness",
        abstract: "Produce demo traffic at a fixed rate with probe events and measure send-to-readable latency.")

    @Option var brokers = "127.0.0.1:9092"
    @Option var redis = "redis://127.0.0.1:6379/0"
    @Option var topology = "topologies/fraud.yaml"
    @Option var topic: String
    @Option(help: "Events per second.") var rate: Double
    @Option(help: "Seconds to produce.") var seconds: Double = 20
    @Option(help: "One probe every this many events.") var probeEvery: Int = 50
    @Option(
        help:
            "Seconds of traffic without probes first, so that a consumer that just joined is measured in its steady state."
    )
    var warmUp: Double = 3
    @Option(help: "redis: probes readable in the online store; broker: probes received by a plain consumer.")
    var watch: Watch = .redis

    func run() async throws {
        let compiled = CompiledTopology(try TopologyLoader.load(file: topology))
        guard let cardLayout = compiled.layout(named: "card") else {
            throw ValidationError("the topology has no card view")
        }
        // Sluice's own producer default: Tansu spends the better part of a millisecond of CPU per
        // produce request, so 1 ms lingering loads it enough to add seconds of latency.
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: KafkaClientConfiguration(brokerList: brokers)))
        let total = Int(rate * (warmUp + seconds))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var options = DemoGenerator.Options(events: total, startTime: now, span: Int64((warmUp + seconds) * 1000))
        options.seed = UInt64(now)
        var generator = DemoGenerator(options)
        let probePrefix = "probe-\(now)-"
        let probes = ProbeBook()
        let watcher: ProbeWatcher
        let stopWatching: () throws -> Void
        // Set back however the run ends.
        var restoreRedisSettings: (() -> Void)?
        defer { restoreRedisSettings?() }
        switch watch {
        case .redis:
            // A probe card is used by nobody else, so its key appears exactly when its first tile
            // is written. Redis announces that (keyspace notifications), which costs it next to
            // nothing, where polling every pending probe loaded it more the later probes were.
            let redisConfiguration = try RedisConfiguration(url: redis)
            let admin = try RedisConnection(configuration: redisConfiguration)
            let previousEvents = try admin.send("CONFIG", "GET", "notify-keyspace-events").array?.last?.string ?? ""
            try admin.send("CONFIG", "SET", "notify-keyspace-events", "Kh")
            restoreRedisSettings = {
                _ = try? admin.send("CONFIG", "SET", "notify-keyspace-events", .string(previousEvents))
            }
            let keyPattern =
                "__keyspace@\(redisConfiguration.database)__:"
                + OnlineStoreLayout(compiled: compiled).entityKey(view: cardLayout, entity: probePrefix) + "*"
            let stopChannel = "sluice-bench:freshness:\(now):stop"
            let subscriber = try RedisSubscriber(
                configuration: redisConfiguration,
                commands: [["PSUBSCRIBE", .string(keyPattern)], ["SUBSCRIBE", .string(stopChannel)]])
            watcher = ProbeWatcher(probes: probes) { seen in
                while true {
                    let message = try subscriber.next()
                    guard message.pattern != nil, let start = message.channel.range(of: probePrefix) else { return }
                    seen(String(message.channel[start.lowerBound...]))
                }
            }
            stopWatching = { try admin.send("PUBLISH", .string(stopChannel), "stop") }
        case .broker:
            // The engine's consumer settings, doing no work.
            var configuration = KafkaConsumerConfiguration(
                groupID: "bench-freshness-\(now)", client: KafkaClientConfiguration(brokerList: brokers))
            configuration.preferPromptFetches()
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
            let partitions =
                try await KafkaAdmin(configuration: KafkaClientConfiguration(brokerList: brokers)).metadata().topic(
                    topic)?.partitions ?? []
            try consumer.assign(
                Dictionary(
                    uniqueKeysWithValues: partitions.map { (KafkaTopicPartition(topic, $0), KafkaOffset.beginning) }))
            watcher = ProbeWatcher(probes: probes) { seen in
                while !probes.isClosed {
                    for message in try consumer.poll(maxMessages: 10_000, timeout: .milliseconds(50)).messages {
                        if let key = message.keyString, key.hasPrefix(probePrefix) { seen(key) }
                    }
                }
            }
            stopWatching = {}
        }
        watcher.start()

        let started = ContinuousClock.now
        let index = try Self.produce(
            &generator, producer: producer, probes: probes, topic: topic, rate: rate, probeEvery: probeEvery,
            firstProbe: Int(rate * warmUp), probePrefix: probePrefix)
        try await producer.flush()
        let elapsed = ContinuousClock.now - started
        let actual =
            Double(index) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        // Give the last probes time to land, then stop watching.
        let grace = ContinuousClock.now + .seconds(10)
        while probes.unresolvedCount > 0 && ContinuousClock.now < grace { try await Task.sleep(for: .milliseconds(50)) }
        probes.close()
        try stopWatching()
        let latencies = try watcher.finish().sorted()
        await producer.close()
        let what = watch == .redis ? "freshness" : "broker alone (a consumer doing no work)"
        guard !latencies.isEmpty else {
            print(
                "\(what): no probe arrived; \(watch == .redis ? "is sluice run consuming topic '\(topic)'?" : "is the broker up?")"
            )
            throw ExitCode(1)
        }
        func percentile(_ p: Double) -> Double {
            latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)]
        }
        print(
            what
                + String(
                    format:
                        " over %d probes at %.0f events/s (target %.0f): p50 %.2f ms, p99 %.2f ms, max %.2f ms; %d probes never arrived",
                    latencies.count, actual, rate, percentile(0.5), percentile(0.99), latencies.last!,
                    probes.unresolvedCount))
    }

    /// Produces at `rate` with a probe every `probeEvery` events; blocks the calling thread.
    static func produce(
        _ generator: inout DemoGenerator, producer: KafkaProducer, probes: ProbeBook, topic: String, rate: Double,
        probeEvery: Int, firstProbe: Int, probePrefix: String
    ) throws -> Int {
        let started = ContinuousClock.now
        var index = 0
        while let record = generator.next() {
            let due = started + .nanoseconds(Int64(Double(index) / rate * 1e9))
            let wait = due - ContinuousClock.now
            if wait > .microseconds(200) {
                Thread.sleep(
                    forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
            }
            if index >= firstProbe && index % probeEvery == 0 {
                // A probe: an on-time event for a card nobody else uses, so its effect is unambiguous.
                let card = "\(probePrefix)\(index)"
                let sentAt = Int64(Date().timeIntervalSince1970 * 1000)
                let json =
                    "{\"txn_id\":\"\(card)\",\"card_id\":\"\(card)\",\"merchant_id\":\"m-probe\",\"device_id\":\"dev-\(card)\","
                    + "\"amount\":1.5,\"currency\":\"EUR\",\"country\":\"DE\",\"mcc\":5411,\"channel\":\"pos\",\"ts\":\(sentAt)}"
                let sent = ContinuousClock.now
                probes.add(card, sent: sent)
                try producer.enqueue(KafkaProducerMessage(topic: topic, key: Array(card.utf8), value: Array(json.utf8)))
            } else {
                try producer.enqueue(
                    KafkaProducerMessage(topic: topic, key: Array(record.key.utf8), value: record.value))
            }
            index += 1
        }
        return index
    }
}

import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceKafka
import SluiceRedis
import SluiceTopology

/// Measuring tools the benchmark scripts (scripts/bench-*) drive. Not part of the product CLI.
@main
struct SluiceBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice-bench",
        abstract: "Measurement helpers for scripts/bench-*.",
        subcommands: [ConsumeCommand.self, FreshnessCommand.self, CoreCommand.self])
}

/// The baseline: a librdkafka consumer through the same client layer, doing no work per message.
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume", abstract: "Read a topic from the beginning to its end and print messages/s.")

    @Option var brokers = "127.0.0.1:9092"
    @Option var topic: String
    @Option var partitions: Int = 4
    @Option(help: "Also write every message value as one line to this file (JSON lines, for DuckDB).")
    var export: String?

    func run() throws {
        let output = export.map { FileManager.default.createFile(atPath: $0, contents: nil) ? FileHandle(forWritingAtPath: $0) : nil } ?? nil
        var pending: [UInt8] = []
        var configuration = KafkaConsumerConfiguration(groupID: "bench-consume-\(UUID().uuidString)", client: KafkaClientConfiguration(brokerList: brokers))
        configuration.fetchWaitMax = .milliseconds(10)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var positions: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<partitions { positions[KafkaTopicPartition(topic, Int32(partition))] = .beginning }
        try consumer.assign(positions)
        var ended = Set<KafkaTopicPartition>()
        var count = 0, bytes = 0
        let started = ContinuousClock.now
        while ended.count < partitions {
            let batch = try consumer.poll(maxMessages: 20_000, timeout: .milliseconds(100))
            count += batch.messages.count
            for message in batch.messages {
                bytes += message.value.count
                ended.remove(message.topicPartition)
                if let output {
                    pending += message.value
                    pending.append(UInt8(ascii: "\n"))
                    if pending.count > 1 << 20 {
                        output.write(Data(pending))
                        pending.removeAll(keepingCapacity: true)
                    }
                }
            }
            for partition in batch.reachedEnd.keys { ended.insert(partition) }
        }
        if let output {
            output.write(Data(pending))
            try output.close()
        }
        let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18 + Double((ContinuousClock.now - started).components.seconds)
        print("consumed \(count) messages (\(bytes) bytes) in \(String(format: "%.2f", seconds)) s: \(Int(Double(count) / seconds)) messages/s")
    }
}

/// Freshness: time from a producer's send to the moment the event's effect is readable.
struct FreshnessCommand: AsyncParsableCommand {
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

    func run() async throws {
        let compiled = CompiledTopology(try TopologyLoader.load(file: topology))
        let producer = try KafkaProducer(configuration: {
            var configuration = KafkaProducerConfiguration(client: KafkaClientConfiguration(brokerList: brokers))
            configuration.linger = .milliseconds(1)
            return configuration
        }())
        let total = Int(rate * seconds)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var options = DemoGenerator.Options(events: total, startTime: now, span: Int64(seconds * 1000))
        options.seed = UInt64(now)
        var generator = DemoGenerator(options)
        let probes = ProbeBook()
        let redisURL = redis
        // The reader and the producer each get a thread of their own: blocking calls and pacing
        // on the cooperative pool would starve each other and distort the measurement.
        // A probe card is used by nobody else, so its key exists exactly once its first tile is
        // written. EXISTS keeps the reader cheap: reading and computing every pending probe's
        // features each millisecond loaded the machine more as latency grew, and so raised it.
        guard let cardLayout = compiled.layout(named: "card") else { throw ValidationError("the topology has no card view") }
        let reader = LatencyReader(probes: probes) {
            let connection = try RedisConnection(configuration: RedisConfiguration(url: redisURL))
            return { cards in
                var pipeline = RedisPipeline(reservingCapacity: 96 * cards.count)
                for card in cards { pipeline.append("EXISTS", .string(compiled.entityKey(view: cardLayout, entity: card))) }
                return try connection.execute(pipeline).map { $0 == .integer(1) }
            }
        }
        reader.start()
        let started = ContinuousClock.now
        let index = try Self.produce(&generator, producer: producer, probes: probes, topic: topic, rate: rate, probeEvery: probeEvery, runID: now)
        try await producer.flush()
        let elapsed = ContinuousClock.now - started
        let actual = Double(index) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        // Give the last probes time to land, then stop the reader.
        let grace = ContinuousClock.now + .seconds(10)
        while probes.unresolvedCount > 0 && ContinuousClock.now < grace { try await Task.sleep(for: .milliseconds(50)) }
        probes.close()
        var latencies = try reader.finish().sorted()
        await producer.close()
        guard !latencies.isEmpty else {
            print("no probe became readable; is sluice run consuming topic '\(topic)'?")
            throw ExitCode(1)
        }
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)] }
        let missing = probes.unresolvedCount
        latencies = latencies.filter { $0.isFinite }
        print(String(
            format: "freshness over %d probes at %.0f events/s (target %.0f): p50 %.2f ms, p99 %.2f ms, max %.2f ms; %d probes never became readable",
            latencies.count, actual, rate, percentile(0.5), percentile(0.99), latencies.last!, missing))
    }

    /// Produces at `rate` with a probe every `probeEvery` events; blocks the calling thread.
    static func produce(
        _ generator: inout DemoGenerator, producer: KafkaProducer, probes: ProbeBook, topic: String, rate: Double,
        probeEvery: Int, runID now: Int64
    ) throws -> Int {
        let started = ContinuousClock.now
        var index = 0
        while let record = generator.next() {
            let due = started + .nanoseconds(Int64(Double(index) / rate * 1e9))
            let wait = due - ContinuousClock.now
            if wait > .microseconds(200) {
                Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
            }
            if index % probeEvery == 0 {
                // A probe: an on-time event for a card nobody else uses, so its effect is unambiguous.
                let card = "probe-\(now)-\(index)"
                let sentAt = Int64(Date().timeIntervalSince1970 * 1000)
                let json = "{\"txn_id\":\"\(card)\",\"card_id\":\"\(card)\",\"merchant_id\":\"m-probe\",\"device_id\":\"dev-\(card)\","
                    + "\"amount\":1.5,\"currency\":\"EUR\",\"country\":\"DE\",\"mcc\":5411,\"channel\":\"pos\",\"ts\":\(sentAt)}"
                probes.add(card, sent: ContinuousClock.now)
                try producer.enqueue(KafkaProducerMessage(topic: topic, key: Array(card.utf8), value: Array(json.utf8)))
            } else {
                try producer.enqueue(KafkaProducerMessage(topic: topic, key: Array(record.key.utf8), value: record.value))
            }
            index += 1
        }
        return index
    }
}

/// Polls the read path for pending probes on a dedicated thread, every millisecond.
final class LatencyReader: @unchecked Sendable {  // latencies are written by the thread, read after join
    typealias Check = ([String]) throws -> [Bool]
    private let probes: ProbeBook
    private let makeCheck: () throws -> Check
    private var latencies: [Double] = []
    private var failure: (any Error)?
    private let done = DispatchSemaphore(value: 0)

    init(probes: ProbeBook, makeCheck: @escaping () throws -> Check) {
        self.probes = probes
        self.makeCheck = makeCheck
    }

    func start() {
        Thread {
            defer { self.done.signal() }
            do {
                let check = try self.makeCheck()
                while !self.probes.isClosed {
                    let pending = self.probes.pending()
                    if !pending.isEmpty {
                        let visible = try check(pending.map(\.card))
                        let seen = ContinuousClock.now
                        for (probe, isVisible) in zip(pending, visible) where isVisible {
                            let latency = seen - probe.sent
                            self.latencies.append(Double(latency.components.seconds) * 1000 + Double(latency.components.attoseconds) / 1e15)
                            self.probes.resolve(probe.card)
                        }
                    }
                    Thread.sleep(forTimeInterval: 0.001)
                }
            } catch {
                self.failure = error
            }
        }.start()
    }

    func finish() throws -> [Double] {
        done.wait()
        if let failure { throw failure }
        return latencies
    }
}

/// Probes sent and not yet seen in Redis.
final class ProbeBook: @unchecked Sendable {  // every access holds the lock
    struct Probe { let card: String; let sent: ContinuousClock.Instant }
    private let lock = NSLock()
    private var open: [String: ContinuousClock.Instant] = [:]
    private var closed = false

    func add(_ card: String, sent: ContinuousClock.Instant) { lock.lock(); open[card] = sent; lock.unlock() }
    func resolve(_ card: String) { lock.lock(); open[card] = nil; lock.unlock() }
    func pending() -> [Probe] { lock.lock(); defer { lock.unlock() }; return open.map { Probe(card: $0.key, sent: $0.value) } }
    func close() { lock.lock(); closed = true; lock.unlock() }
    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }
    var unresolvedCount: Int { lock.lock(); defer { lock.unlock() }; return open.count }
}

import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceDemo
import SluiceKafka
import SluiceOnlineStore
import SluiceRedis
import SluiceTopology

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
        let output =
            export.map {
                FileManager.default.createFile(atPath: $0, contents: nil) ? FileHandle(forWritingAtPath: $0) : nil
            } ?? nil
        var pending: [UInt8] = []
        var configuration = KafkaConsumerConfiguration(
            groupID: "bench-consume-\(UUID().uuidString)", client: KafkaClientConfiguration(brokerList: brokers))
        // Fetched as sluice fetches: with librdkafka's defaults a consumer faster than the
        // broker's fetches finds its queue full and waits a whole second before the next fetch,
        // which would make the baseline measure that wait (docs/operations.md).
        configuration.preferPromptFetches()
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var positions: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<partitions { positions[KafkaTopicPartition(topic, Int32(partition))] = .beginning }
        try consumer.assign(positions)
        var ended = Set<KafkaTopicPartition>()
        var count = 0
        var bytes = 0
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
        let seconds =
            Double((ContinuousClock.now - started).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - started).components.seconds)
        print(
            "consumed \(count) messages (\(bytes) bytes) in \(String(format: "%.2f", seconds)) s: \(Int(Double(count) / seconds)) messages/s"
        )
    }
}

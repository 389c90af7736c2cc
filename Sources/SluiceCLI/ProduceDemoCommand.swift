import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceDemo
import SluiceRuntime

struct ProduceDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce-demo",
        abstract: "Produce realistic synthetic card payments (with fraud patterns) and delayed fraud labels.")

    @Option(help: "Number of transactions.")
    var events: Int = 100_000
    @Option(
        help:
            "Events per second; event times then follow the clock. (default: as fast as possible, times spread over --span up to now)"
    )
    var rate: Double?
    @Option(help: "Random seed; the same seed gives the same traffic.")
    var seed: UInt64 = 1
    @Option(help: "Fraction of malformed records (0...1), for dead-letter testing.")
    var malformed: Double = 0
    @Option(help: "Event-time span of a bulk run, e.g. 2h.")
    var span: String = "2h"
    @Option(help: "Transactions topic.")
    var topic: String = "transactions"
    @Option(help: "Labels topic.")
    var labelsTopic: String = "labels"
    @Option(help: "Partitions when the topic is created.")
    var partitions: Int = 4
    @Option(help: "Distinct cards (ids card-0 ...). (default: events / 8)")
    var cards: Int?
    @Flag(
        help:
            "Start with one event for every card, in id order, so that each card has state; the skewed traffic follows."
    )
    var everyCard = false
    @Option(
        help: ArgumentHelp(
            "From this event time on, payments shift: larger amounts, a new market, online channels (docs/drift.md).",
            valueName: "time"))
    var driftAt: String?
    @Option(
        help: ArgumentHelp(
            "From this event time on, the fraud pattern changes while the payments do not (docs/drift.md).",
            valueName: "time"))
    var conceptDriftAt: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive") }
        guard (0...1).contains(malformed) else { throw ValidationError("--malformed must be within 0...1") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        if let cards, cards <= 0 { throw ValidationError("--cards must be positive") }
        if everyCard, events < cards ?? max(200, events / 8) {
            throw ValidationError("--every-card needs at least as many --events as cards")
        }
        guard DurationText.milliseconds(span) != nil else {
            throw ValidationError("--span '\(span)' is not a duration such as 30m or 2h")
        }
        for time in [driftAt, conceptDriftAt].compactMap({ $0 }) { _ = try Self.shiftTime(time, firstEvent: 0) }
    }

    /// A shift's event time: epoch milliseconds, ISO-8601, or +DURATION after the first event.
    static func shiftTime(_ text: String, firstEvent: Int64) throws -> Int64 {
        if text.hasPrefix("+") {
            guard let offset = DurationText.milliseconds(String(text.dropFirst())) else {
                throw ValidationError("'\(text)' is not +DURATION such as +10d or +6h")
            }
            return firstEvent + offset
        }
        return try TimeArgument.parse(text)
    }

    func run() async throws {
        logging.bootstrap(default: .warning)
        let now = TimeArgument.now()
        var options: DemoGenerator.Options
        if let rate {
            options = DemoGenerator.Options(events: events, startTime: now, span: Int64(Double(events) / rate * 1000))
        } else {
            let spanMs = DurationText.milliseconds(span)!
            options = DemoGenerator.Options(events: events, startTime: now - spanMs, span: spanMs)
        }
        options.seed = seed
        options.malformedFraction = malformed
        options.cards = cards
        options.everyCard = everyCard
        options.dataDriftAt = try driftAt.map { try Self.shiftTime($0, firstEvent: options.startTime) }
        options.conceptDriftAt = try conceptDriftAt.map { try Self.shiftTime($0, firstEvent: options.startTime) }
        let total = events
        let summary = try await DemoProducer.run(
            options: options, rate: rate, topic: topic, labelsTopic: labelsTopic, partitions: partitions,
            client: connection.settings.kafkaClient, logger: Logger(label: "sluice.produce-demo")
        ) { sent in
            FileHandle.standardError.write(Data("produce-demo: \(sent)/\(total) sent\n".utf8))
        }
        print(
            "produced \(summary.transactions) transactions (\(summary.malformed) malformed) to '\(topic)' and \(summary.labels) labels to '\(labelsTopic)' "
                + "in \(String(format: "%.1f", summary.seconds)) s (\(Int(Double(summary.transactions) / max(summary.seconds, 0.001))) events/s)"
        )
        if summary.deliveryFailures > 0 {
            throw ValidationError("\(summary.deliveryFailures) records were not delivered; see the log")
        }
    }
}

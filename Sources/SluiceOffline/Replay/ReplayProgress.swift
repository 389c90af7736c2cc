import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// Progress of a replay: a bar with events/s, percent and ETA on a terminal, plain lines otherwise.
struct ReplayProgress {
    let interval: Duration?
    let output = ProgressLine()
    var last = ContinuousClock.now
    let started = ContinuousClock.now
    var startOffsets: [Int32: Int64] = [:]

    init(interval: Duration?) { self.interval = interval }

    mutating func report(
        messages: Int, rows: Int, queues: [Int32: ReplayMessageQueue], consumer: KafkaConsumer, topic: String
    ) {
        guard let interval, ContinuousClock.now - last >= interval else { return }
        last = .now
        let seconds = (ContinuousClock.now - started).seconds
        let rate = ProgressLine.rate(messages, seconds: seconds)
        // Remaining = high watermark (from fetch responses) minus what was read.
        var total: Int64 = 0
        var remaining: Int64 = 0
        for (partition, queue) in queues {
            guard let marks = consumer.cachedWatermarks(KafkaTopicPartition(topic, partition)) else { continue }
            let read = queue.readUpTo ?? marks.low
            if startOffsets[partition] == nil { startOffsets[partition] = max(marks.low, read - 1) }
            total += marks.high - startOffsets[partition]!
            remaining += queue.isDone ? 0 : max(0, marks.high - read)
        }
        let percent = total > 0 ? 100 * Double(total - remaining) / Double(total) : 0
        let eta = rate > 0 ? Int((Double(remaining) / rate).rounded(.up)) : 0
        let numbers =
            "\(grouped(messages)) events, \(grouped(rows)) rows, \(grouped(Int(rate))) events/s, \(String(format: "%.0f", percent))%, ETA \(eta) s"
        if output.isTerminal {
            let width = 30
            let filled = min(width, Int(percent / 100 * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            output.write("sluice replay [\(bar)] \(numbers)", final: false)
        } else {
            output.write("sluice replay: \(numbers)", final: false)
        }
    }

    func finish(_ summary: ReplaySummary) {
        guard interval != nil else { return }
        let rate = ProgressLine.rate(summary.messages, seconds: summary.seconds)
        var line =
            "sluice replay: \(grouped(summary.messages)) events in \(String(format: "%.1f", summary.seconds)) s (\(grouped(Int(rate))) events/s), "
        line += "\(grouped(summary.rows)) rows in \(summary.files) files"
        let rejected = summary.rejected.values.reduce(0, +)
        if rejected > 0 {
            line += "; \(grouped(rejected)) rejected (\(ProgressLine.counts(summary.rejected, name: \.rawValue)))"
        }
        output.write(line, final: true)
    }
}

private func grouped(_ value: Int) -> String { ProgressLine.grouped(value) }

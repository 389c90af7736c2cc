import Foundation
import SluiceCore
import SluiceRuntime

/// Prints a progress line to standard error while the engine runs: rewritten in place on a
/// terminal, one line per interval otherwise (logs, CI).
final class ProgressReporter {
    /// nil: measure (for metrics) every 2 s but print nothing.
    private let interval: Duration?
    private let output = ProgressLine()
    private var last = ContinuousClock.now
    private var countSinceLast = 0
    private let started = ContinuousClock.now
    /// When the first batch arrived: the rate counts from there, since joining the consumer
    /// group (seconds with Tansu) says nothing about processing speed.
    private var firstBatchAt: ContinuousClock.Instant?

    init(interval: Duration?) { self.interval = interval }

    var isDue: Bool { ContinuousClock.now - last >= (interval ?? .seconds(2)) }

    func count(_ events: Int) { countSinceLast += events }

    /// Marks the arrival of the first batch (later calls do nothing).
    func firstBatchArrived() {
        if firstBatchAt == nil { firstBatchAt = ContinuousClock.now }
    }

    func report(processed: Int, lag: Int64, partitions: [Int32: PartitionState]) {
        let now = ContinuousClock.now
        let seconds = (now - last).seconds
        let rate = ProgressLine.rate(countSinceLast, seconds: seconds)
        last = now
        countSinceLast = 0
        guard interval != nil else { return }
        let atEnd = partitions.values.filter(\.machine.isCaughtUp).count
        var line =
            "sluice run: \(grouped(processed)) events, \(grouped(Int(rate))) events/s, lag \(grouped(Int(lag))), "
        line += "\(atEnd)/\(partitions.count) partitions at end"
        if lag > 0 && rate > 0 { line += ", ETA \(Int((Double(lag) / rate).rounded(.up))) s" }
        write(line, final: false)
    }

    func finish(processed: Int, partitions: [Int32: PartitionState], deadLetters: [RejectionReason: Int]) {
        let now = ContinuousClock.now
        let first = firstBatchAt ?? now
        let seconds = (now - first).seconds
        let waited = (first - started).seconds
        let rate = ProgressLine.rate(processed, seconds: seconds)
        var line =
            "sluice run: \(grouped(processed)) events in \(String(format: "%.1f", seconds)) s (\(grouped(Int(rate))) events/s) "
        line += "after \(String(format: "%.1f", waited)) s joining the group, all \(partitions.count) partitions at end"
        let rejected = deadLetters.values.reduce(0, +)
        line +=
            rejected == 0
            ? "; no dead letters"
            : "; \(grouped(rejected)) dead-lettered (\(ProgressLine.counts(deadLetters, name: \.rawValue)))"
        write(line, final: true)
    }

    private func write(_ line: String, final: Bool) { output.write(line, final: final) }

    private func grouped(_ value: Int) -> String { ProgressLine.grouped(value) }
}

import Foundation
import Logging
import SluiceCore
import SluiceDrift
import SluiceKafka

/// One closed window as `sluice drift run` published it on the drift topic: every column's record,
/// for the report of a live window (`sluice drift report --window`).
public struct DriftTopicWindow: Sendable {
    public var monitor: String
    public var windowStart: Int64
    public var windowEnd: Int64
    /// The column records, the newest per column (a merger that took over may publish a window
    /// again, identically).
    public var records: [DriftWindowRecord]
    /// The window's concept records, one per variant, once its labels matured (`--labels-topic`).
    public var concept: [ConceptWindowRecord] = []

    /// The columns' comparisons as one dataset comparison, sorted by severity.
    public var comparison: DatasetComparison {
        DatasetComparison(
            referenceRows: records.map(\.comparison.reference.rows).max() ?? 0,
            currentRows: records.map(\.comparison.current.rows).max() ?? 0, columns: records.map(\.comparison))
    }

    /// Reads the drift topic to its end and returns the window containing `time`.
    /// - Parameter monitor: the monitor's fingerprint, needed when several monitors published
    ///   that window to the topic.
    public static func read(
        containing time: Int64, topic: String, monitor: String?, client: KafkaClientConfiguration, logger: Logger,
        timeout: Duration = .seconds(120)
    ) async throws -> DriftTopicWindow {
        var found: [String: [String: DriftWindowRecord]] = [:]
        var concept: [String: [String: ConceptWindowRecord]] = [:]
        var unreadable = 0
        let decoder = JSONDecoder()
        _ = try await TopicSnapshot.read(topic: topic, role: "drift", client: client, logger: logger, timeout: timeout)
        {
            message in
            if let record = try? decoder.decode(ConceptWindowRecord.self, from: Data(message.value)) {
                if record.windowStart <= time && time < record.windowEnd,
                    monitor.map({ $0 == record.monitor }) ?? true
                {
                    concept[record.monitor, default: [:]]["\(record.model) \(record.label)"] = record
                }
                return
            }
            guard let record = try? decoder.decode(DriftWindowRecord.self, from: Data(message.value)) else {
                unreadable += 1
                return
            }
            guard record.windowStart <= time && time < record.windowEnd, monitor.map({ $0 == record.monitor }) ?? true
            else { return }
            found[record.monitor, default: [:]][record.column] = record
        }
        guard !found.isEmpty else {
            throw OfflineError(
                .windowMissing,
                "the drift topic '\(topic)' has no closed window containing \(time)"
                    + (monitor.map { " of monitor \($0)" } ?? "")
                    + (unreadable > 0 ? " (\(unreadable) records could not be read)" : ""))
        }
        guard found.count == 1, let (id, columns) = found.first else {
            throw OfflineError(
                .invalidSettings,
                "several monitors published this window to '\(topic)': \(found.keys.sorted().joined(separator: ", ")); choose one with --monitor-id"
            )
        }
        let records = columns.values.sorted { $0.column < $1.column }
        return DriftTopicWindow(
            monitor: id, windowStart: records[0].windowStart, windowEnd: records[0].windowEnd, records: records,
            concept: (concept[id] ?? [:]).values.sorted {
                ($0.model, $0.served ? 0 : 1, $0.variant, $0.version) < (
                    $1.model, $1.served ? 0 : 1, $1.variant, $1.version
                )
            })
    }
}

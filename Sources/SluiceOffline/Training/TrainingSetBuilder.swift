import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceParquet
import SluiceRuntime

/// Joins feature-log rows with their labels by event id, as known at an as-of time. Every row of
/// the log is kept, with `label`, `label_time` and `label_status` (labeled, unlabeled, expired).
public enum TrainingSetBuilder {
    public static func build(_ configuration: TrainingSetConfiguration, labels: LabelBook) throws -> TrainingSetSummary
    {
        let root = (configuration.featuresDirectory as NSString).appendingPathComponent(configuration.topologyName)
        let resolved = try FeatureLogFiles.resolve(root: root, snapshot: configuration.snapshot)
        let files = resolved.files
        guard !files.isEmpty else {
            throw OfflineError(
                .logMissing,
                "no feature log files under \(root); write them with `sluice run --offline-dir` or `sluice replay --out`"
            )
        }
        // Files written before and after a topology change hold different feature columns: the
        // training set has the union, with nulls where a file lacks a column.
        var schema: [ParquetField] = []
        var everywhere: [String: Int] = [:]
        for file in files {
            for field in try ParquetReader.fields(path: (root as NSString).appendingPathComponent(file)) {
                if let existing = schema.first(where: { $0.name == field.name }) {
                    guard existing.type == field.type else {
                        throw OfflineError(
                            .notAFeatureLog,
                            "column \(field.name) is \(existing.type) in some files and \(field.type) in \(file)")
                    }
                } else {
                    schema.append(field)
                }
                everywhere[field.name, default: 0] += 1
            }
        }
        schema = schema.map { field in
            var field = field
            if everywhere[field.name] != files.count { field.isOptional = true }
            return field
        }
        let temporary = configuration.output + ".tmp-\(getpid())"
        var writer: ParquetWriter?
        var summary = TrainingSetSummary()
        summary.tableVersion = resolved.table?.version
        do {
            var options = ParquetWriterOptions()
            options.metadata = [
                ("sluice.topology", configuration.topologyName), ("sluice.labels.as_of", String(configuration.asOf)),
                ("sluice.labels.delay_max_ms", String(configuration.labelDelayMax)),
                ("sluice.version", SluiceVersion.current),
            ]
            if let hash = configuration.topologyHash { options.metadata.append(("sluice.topology.hash", hash)) }
            if let table = resolved.table {
                options.metadata += [
                    ("sluice.table.path", table.path), ("sluice.table.id", table.id),
                    ("sluice.table.version", String(table.version)),
                ]
            }
            options.createdBy = "sluice version \(SluiceVersion.current)"
            writer = try ParquetWriter(
                path: temporary,
                schema: schema + [
                    ParquetField("label", .int32), ParquetField("label_time", .timestampMillis),
                    ParquetField("label_status", .string, optional: false),
                ],
                options: options)
            for file in files {
                let table = try ParquetReader.read(path: (root as NSString).appendingPathComponent(file))
                let columns = schema.map { field in table.column(named: field.name) }
                guard case .strings(let ids)? = table.column(named: "event_id"),
                    case .int64s(let times)? = table.column(named: "event_time")
                else {
                    throw OfflineError(
                        .notAFeatureLog, "\(file) is not a Sluice feature log (no event_id or event_time)")
                }
                for row in 0..<table.rowCount {
                    let eventTime = times[row] ?? 0
                    if let range = configuration.eventTimes, !range.contains(eventTime) { continue }
                    for column in columns {
                        if let column { try writer!.append(column, row: row) } else { try writer!.appendNull() }
                    }
                    let label = labels.label(
                        of: ids[row] ?? "", eventTime: eventTime, asOf: configuration.asOf,
                        maxDelay: configuration.labelDelayMax)
                    try writer!.append(label?.value)
                    try writer!.append(label?.time)
                    if let label {
                        try writer!.append("labeled")
                        summary.labeled += 1
                        if label.value != 0 { summary.positives += 1 }
                    } else if eventTime + configuration.labelDelayMax > configuration.asOf {
                        try writer!.append("unlabeled")
                        summary.unlabeled += 1
                    } else {
                        try writer!.append("expired")
                        summary.expired += 1
                    }
                    try writer!.endRow()
                    summary.rows += 1
                    summary.newestEventTime = max(summary.newestEventTime ?? eventTime, eventTime)
                }
            }
            try writer?.close()
        } catch {
            writer?.discard()
            throw error
        }
        guard rename(temporary, configuration.output) == 0 else {
            throw OfflineError(
                .fileSystem,
                "cannot rename \(temporary) to \(configuration.output): \(String(cString: strerror(errno)))")
        }
        return summary
    }
}

import Foundation
import SluiceCore
import SluiceParquet

/// Writes outcomes to a Parquet file, one row per prediction (columns in docs/scoring.md), the
/// join's as-of time and label delay in the file's metadata. Written to a temporary file and
/// renamed, so the path holds a whole file or none.
public enum OutcomeTable {
    public static let schema: [ParquetField] = [
        ParquetField("request_id", .string, optional: false, dictionary: false),
        ParquetField("event_id", .string, optional: false, dictionary: false),
        ParquetField("model", .string, optional: false),
        ParquetField("version", .int32, optional: false),
        ParquetField("variant", .string, optional: false),
        ParquetField("served", .boolean, optional: false),
        ParquetField("score", .double, optional: false),
        ParquetField("event_time", .timestampMillis, optional: false),
        ParquetField("served_at", .timestampMillis, optional: false),
        ParquetField("latency_us", .double, optional: false),
        ParquetField("label", .int32),
        ParquetField("label_time", .timestampMillis),
        ParquetField("label_status", .string, optional: false),
        ParquetField("matured", .boolean, optional: false),
    ]

    public static func write(_ outcomes: [Outcome], join: OutcomeJoin, to path: String) throws(OfflineError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            var options = ParquetWriterOptions()
            options.createdBy = "sluice outcomes"
            options.metadata = [
                ("sluice.labels.as_of", String(join.asOf)), ("sluice.labels.delay_max_ms", String(join.labelDelayMax)),
            ]
            let writer = try ParquetWriter(path: temporary, schema: schema, options: options)
            do {
                for outcome in outcomes {
                    let prediction = outcome.prediction
                    try writer.append(prediction.requestID)
                    try writer.append(prediction.eventID)
                    try writer.append(prediction.model)
                    try writer.append(Int32(clamping: prediction.version))
                    try writer.append(prediction.variant)
                    try writer.append(prediction.served)
                    try writer.append(prediction.score)
                    try writer.append(prediction.eventTime)
                    try writer.append(prediction.servedAt)
                    try writer.append(prediction.latencyMicroseconds)
                    try writer.append(outcome.label)
                    try writer.append(outcome.labelTime)
                    try writer.append(outcome.status.rawValue)
                    try writer.append(outcome.isMatured)
                    try writer.endRow()
                }
                _ = try writer.close()
            } catch {
                writer.discard()
                throw error
            }
        } catch {
            unlink(temporary)
            throw OfflineError(.fileSystem, "cannot write \(path): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            throw OfflineError(
                .fileSystem, "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}

import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceParquet
import SluiceRuntime

/// The open (not yet rolled) Parquet files of one partition, one per UTC event date.
final class PartitionLog {
    let partition: Int32
    private var files: [String: OpenFile] = [:]
    private(set) var rowCount = 0
    private(set) var openedAt: ContinuousClock.Instant?
    /// The previous row's UTC day and its file: consecutive rows nearly always share them.
    private var lastDay: Int64 = .min
    private var lastFile: OpenFile?

    /// A reference, so that a row updates its file after one lookup.
    final class OpenFile {
        let writer: ParquetWriter
        let temporaryPath: String
        var firstOffset: Int64
        var lastOffset: Int64
        var rows: Int

        init(writer: ParquetWriter, temporaryPath: String, firstOffset: Int64, lastOffset: Int64, rows: Int) {
            self.writer = writer
            self.temporaryPath = temporaryPath
            self.firstOffset = firstOffset
            self.lastOffset = lastOffset
            self.rows = rows
        }
    }

    struct Finished {
        let date: String
        let temporaryPath: String
        let firstOffset: Int64
        let lastOffset: Int64
        let rows: Int
        /// The file's statistics, for its table `add` action.
        let summary: ParquetFileSummary
    }

    init(partition: Int32) { self.partition = partition }

    var estimatedBytes: Int { files.values.reduce(0) { $0 + $1.writer.estimatedBytes } }

    func add(_ row: FeatureLogRow, writer log: FeatureLogWriter) throws {
        let day = floorDivide(row.eventTime, 86_400_000)
        let file: OpenFile
        if day == lastDay, let lastFile {
            file = lastFile
        } else {
            let date = UTCDate.string(epochMillis: row.eventTime)
            if let open = files[date] {
                file = open
            } else {
                let (writer, path) = try log.openTemporaryFile(partition: partition, date: date)
                file = OpenFile(
                    writer: writer, temporaryPath: path, firstOffset: row.offset, lastOffset: row.offset, rows: 0)
                files[date] = file
            }
            lastDay = day
            lastFile = file
        }
        try Self.write(row, topic: log.topic, to: file.writer)
        file.firstOffset = min(file.firstOffset, row.offset)
        file.lastOffset = max(file.lastOffset, row.offset)
        file.rows += 1
        rowCount += 1
        if openedAt == nil { openedAt = .now }
    }

    private static func write(_ row: FeatureLogRow, topic: String, to writer: ParquetWriter) throws {
        try writer.append(row.eventID)
        try writer.append(row.eventTime)
        for key in row.keys { try writer.append(key) }
        try writer.append(topic)
        try writer.append(row.partition)
        try writer.append(row.offset)
        for feature in row.features { try writer.append(feature) }
        try writer.endRow()
    }

    private func forgetLastFile() {
        lastDay = .min
        lastFile = nil
    }

    /// Closes (and fsyncs) every open file, sorted by date, and forgets them.
    func finish() throws -> [Finished] {
        var finished: [Finished] = []
        for (date, file) in files.sorted(by: { $0.key < $1.key }) {
            let summary = try file.writer.close()
            finished.append(
                Finished(
                    date: date, temporaryPath: file.temporaryPath, firstOffset: file.firstOffset,
                    lastOffset: file.lastOffset, rows: file.rows, summary: summary))
        }
        files.removeAll()
        forgetLastFile()
        rowCount = 0
        openedAt = nil
        return finished
    }

    func discard() {
        for file in files.values { file.writer.discard() }
        files.removeAll()
        forgetLastFile()
        rowCount = 0
    }
}

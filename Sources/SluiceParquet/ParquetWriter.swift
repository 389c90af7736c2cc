#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one Parquet file, row by row.
///
/// Each row is written by appending one value per column, in schema order, then calling
/// `endRow()`. Values are buffered per column until the row group reaches
/// `options.rowGroupBytes`, then encoded, compressed and written. `close()` writes the footer
/// (and fsyncs, unless told not to). Not thread-safe: one owner writes a file.
public final class ParquetWriter {
    public let path: String
    public let schema: [ParquetField]
    public let options: ParquetWriterOptions
    /// Rows written so far, including those still buffered.
    public private(set) var rowCount = 0
    /// Bytes written to the file so far plus the uncompressed size of the buffered row group: an
    /// upper estimate of the file's size, for rolling files by size.
    public var estimatedBytes: Int {
        (file?.offset ?? 0) + columns.reduce(0) { $0 + $1.plainBytes }
    }

    private let columns: [ColumnBuffer]
    private var chunkEncoder: ColumnChunkEncoder
    private var file: OutputFile?
    private var nextColumn = 0
    private var rowGroups: [RowGroupRecord] = []
    private var rowsInGroup = 0

    /// Creates (or truncates) the file at `path` and writes the leading magic bytes.
    public init(path: String, schema: [ParquetField], options: ParquetWriterOptions = ParquetWriterOptions()) throws(ParquetError) {
        guard !schema.isEmpty else { throw ParquetError(.invalidSchema, "a Parquet schema needs at least one column") }
        var names = Set<String>()
        for field in schema {
            guard !field.name.isEmpty else { throw ParquetError(.invalidSchema, "column names cannot be empty") }
            guard names.insert(field.name).inserted else {
                throw ParquetError(.invalidSchema, "column '\(field.name)' appears twice in the schema")
            }
        }
        self.path = path
        self.schema = schema
        self.options = options
        self.columns = schema.map(ColumnBuffer.init(field:))
        self.chunkEncoder = ColumnChunkEncoder(
            options: options, compressor: try PageCompressor(options.compression, zstdLevel: options.zstdLevel))
        let file = try OutputFile(creating: path)
        try file.write(Self.magic)
        self.file = file
    }

    // MARK: - Appending a row

    public func append(_ value: String?) throws(ParquetError) {
        let column = try next(accepting: [.string], value == nil)
        if let value { column.append(string: value) }
    }

    public func append(_ value: Int64?) throws(ParquetError) {
        let column = try next(accepting: [.int64, .timestampMillis], value == nil)
        if let value { column.append(integer: value) }
    }

    public func append(_ value: Int32?) throws(ParquetError) {
        let column = try next(accepting: [.int32], value == nil)
        if let value { column.append(integer: Int64(value)) }
    }

    public func append(_ value: Double?) throws(ParquetError) {
        let column = try next(accepting: [.double], value == nil)
        if let value { column.append(double: value) }
    }

    public func append(_ value: Bool?) throws(ParquetError) {
        let column = try next(accepting: [.boolean], value == nil)
        if let value { column.append(integer: value ? 1 : 0) }
    }

    /// Appends null to the next column, whatever its type.
    public func appendNull() throws(ParquetError) {
        _ = try next(accepting: ParquetType.allCases, true)
    }

    /// Ends the row; every column must have received exactly one value.
    public func endRow() throws(ParquetError) {
        guard file != nil else { throw ParquetError(.closed, "\(path) is already closed") }
        guard nextColumn == columns.count else {
            throw ParquetError(
                .invalidValue,
                "row \(rowCount) of \(path) ended after \(nextColumn) of \(columns.count) columns; missing '\(schema[nextColumn].name)'")
        }
        nextColumn = 0
        rowCount += 1
        rowsInGroup += 1
        // Summing every column's size per row would cost more than the row; every 64 rows is
        // close enough for a limit measured in megabytes.
        if rowsInGroup % 64 == 0 {
            var bufferedBytes = 0
            for column in columns { bufferedBytes += column.plainBytes }
            if bufferedBytes >= options.rowGroupBytes { try flushRowGroup() }
        }
    }

    private func next(accepting types: [ParquetType], _ isNull: Bool) throws(ParquetError) -> ColumnBuffer {
        guard file != nil else { throw ParquetError(.closed, "\(path) is already closed") }
        guard nextColumn < columns.count else {
            throw ParquetError(.invalidValue, "row \(rowCount) of \(path) has more values than its \(columns.count) columns")
        }
        let column = columns[nextColumn]
        guard isNull || types.contains(column.field.type) else {
            throw ParquetError(
                .invalidValue, "column '\(column.field.name)' holds \(column.field.type), not \(types.map(\.rawValue).joined(separator: "/"))")
        }
        if isNull { try column.appendNull() }
        nextColumn += 1
        return column
    }

    // MARK: - Row groups and footer

    private func flushRowGroup() throws(ParquetError) {
        guard rowsInGroup > 0, let file else { return }
        let groupOffset = file.offset
        var record = RowGroupRecord(rowCount: rowsInGroup, fileOffset: groupOffset)
        for column in columns {
            let chunk = try chunkEncoder.encode(column)
            let chunkOffset = file.offset
            try file.write(chunk.bytes)
            record.columns.append(
                ColumnChunkRecord(
                    field: column.field, codec: options.compression.codec, usesDictionary: chunk.usesDictionary,
                    valueCount: chunk.valueCount, uncompressedSize: chunk.uncompressedSize,
                    compressedSize: chunk.bytes.count,
                    dictionaryPageOffset: chunk.usesDictionary ? chunkOffset : nil,
                    dataPageOffset: chunkOffset + chunk.firstDataPageOffset, statistics: chunk.statistics))
            record.uncompressedSize += chunk.uncompressedSize
            record.compressedSize += chunk.bytes.count
            column.reset()
        }
        rowGroups.append(record)
        rowsInGroup = 0
    }

    /// Writes the last row group and the footer, fsyncs (per options) and closes the file.
    @discardableResult
    public func close() throws(ParquetError) -> ParquetFileSummary {
        guard let file else { throw ParquetError(.closed, "\(path) is already closed") }
        guard nextColumn == 0 else {
            throw ParquetError(.invalidValue, "\(path) closed in the middle of row \(rowCount)")
        }
        do {
            try flushRowGroup()
            let footer = FileMetadataEncoder.encode(
                schema: schema, rowCount: rowCount, rowGroups: rowGroups, options: options)
            try file.write(footer)
            var length: [UInt8] = []
            writeLittleEndian(UInt32(footer.count), into: &length)
            try file.write(length)
            try file.write(Self.magic)
            try file.flush()
            if options.fsyncOnClose { try file.sync() }
            try file.close()
        } catch {
            file.discard()
            self.file = nil
            throw error
        }
        self.file = nil
        return ParquetFileSummary(path: path, rowCount: rowCount, rowGroupCount: rowGroups.count, byteCount: file.offset)
    }

    /// Closes and deletes a file that will not be finished (a failed or abandoned write).
    public func discard() {
        file?.discard()
        file = nil
        unlink(path)
    }

    private static let magic: [UInt8] = Array("PAR1".utf8)
}

/// What `ParquetWriter.close()` wrote.
public struct ParquetFileSummary: Sendable, Equatable {
    public var path: String
    public var rowCount: Int
    public var rowGroupCount: Int
    public var byteCount: Int
}

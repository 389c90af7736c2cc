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

    private var columns: [ColumnBuffer]
    private var chunkEncoder: ColumnChunkEncoder
    private var file: OutputFile?
    private var nextColumn = 0
    private var rowGroups: [RowGroupRecord] = []
    private var rowsInGroup = 0

    /// Creates (or truncates) the file at `path` and writes the leading magic bytes.
    public init(path: String, schema: [ParquetField], options: ParquetWriterOptions = ParquetWriterOptions())
        throws(ParquetError)
    {
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
        try file.write(OutputFile.parquetMagic)
        self.file = file
    }

    // MARK: - Appending a row

    public func append(_ value: String?) throws(ParquetError) {
        let column = try next(value == nil, accepting: .string)
        if let value { columns[column].append(string: value) }
    }

    public func append(_ value: Int64?) throws(ParquetError) {
        let column = try next(value == nil, accepting: .int64, or: .timestampMillis)
        if let value { columns[column].append(integer: value) }
    }

    public func append(_ value: Int32?) throws(ParquetError) {
        let column = try next(value == nil, accepting: .int32)
        if let value { columns[column].append(integer: Int64(value)) }
    }

    public func append(_ value: Double?) throws(ParquetError) {
        let column = try next(value == nil, accepting: .double)
        if let value { columns[column].append(double: value) }
    }

    public func append(_ value: Bool?) throws(ParquetError) {
        let column = try next(value == nil, accepting: .boolean)
        if let value { columns[column].append(integer: value ? 1 : 0) }
    }

    /// Appends `row` of a column read by `ParquetReader` (copying rows between files).
    public func append(_ values: ParquetColumnValues, row: Int) throws(ParquetError) {
        switch values {
        case .strings(let column): try append(column[row])
        case .int32s(let column): try append(column[row])
        case .int64s(let column): try append(column[row])
        case .doubles(let column): try append(column[row])
        case .booleans(let column): try append(column[row])
        }
    }

    /// Appends null to the next column, whatever its type.
    public func appendNull() throws(ParquetError) {
        _ = try next(true, accepting: nil)
    }

    /// Ends the row; every column must have received exactly one value.
    public func endRow() throws(ParquetError) {
        guard file != nil else { throw ParquetError(.closed, "\(path) is already closed") }
        guard nextColumn == columns.count else {
            throw ParquetError(
                .invalidValue,
                "row \(rowCount) of \(path) ended after \(nextColumn) of \(columns.count) columns; missing '\(schema[nextColumn].name)'"
            )
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

    /// The position of the next column of the row, which a value of `type` (or `other`) goes in,
    /// with a null appended already if `isNull`. A nil `type` accepts only nulls, of any column.
    private func next(_ isNull: Bool, accepting type: ParquetType?, or other: ParquetType? = nil) throws(ParquetError)
        -> Int
    {
        guard file != nil else { throw ParquetError(.closed, "\(path) is already closed") }
        let column = nextColumn
        guard column < columns.count else {
            throw ParquetError(
                .invalidValue, "row \(rowCount) of \(path) has more values than its \(columns.count) columns")
        }
        if isNull {
            try columns[column].appendNull()
        } else {
            let held = schema[column].type
            guard held == type || held == other else {
                let offered = [type, other].compactMap { $0?.rawValue }.joined(separator: "/")
                throw ParquetError(.invalidValue, "column '\(schema[column].name)' holds \(held), not \(offered)")
            }
        }
        nextColumn = column + 1
        return column
    }

    // MARK: - Row groups and footer

    private func flushRowGroup() throws(ParquetError) {
        guard rowsInGroup > 0, let file else { return }
        let groupOffset = file.offset
        var record = RowGroupRecord(rowCount: rowsInGroup, fileOffset: groupOffset)
        for index in columns.indices {
            // Read in place, not through a copy: the copy would keep the buffers shared, and
            // `reset` would then allocate new ones instead of keeping their capacity.
            let chunk = try chunkEncoder.encode(columns[index])
            let chunkOffset = file.offset
            try file.write(chunk.bytes)
            record.columns.append(
                ColumnChunkRecord(
                    field: schema[index], path: [schema[index].name], codec: options.compression.codec,
                    usesDictionary: chunk.usesDictionary,
                    valueCount: chunk.valueCount, uncompressedSize: chunk.uncompressedSize,
                    compressedSize: chunk.bytes.count,
                    dictionaryPageOffset: chunk.usesDictionary ? chunkOffset : nil,
                    dataPageOffset: chunkOffset + chunk.firstDataPageOffset, statistics: chunk.statistics))
            record.uncompressedSize += chunk.uncompressedSize
            record.compressedSize += chunk.bytes.count
            columns[index].reset()
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
            try file.finishParquet(
                footer: FileMetadataEncoder.encode(
                    schema: SchemaElement.flat(schema), rowCount: rowCount, rowGroups: rowGroups, options: options),
                sync: options.fsyncOnClose)
        } catch {
            file.discard()
            self.file = nil
            throw error
        }
        self.file = nil
        return ParquetFileSummary(
            path: path, rowCount: rowCount, rowGroupCount: rowGroups.count, byteCount: file.offset,
            columns: schema.indices.map { index in
                ColumnStatistics.summary(schema[index], rowGroups.map { $0.columns[index].statistics })
            })
    }

    /// Closes and deletes a file that will not be finished (a failed or abandoned write).
    public func discard() {
        file?.discard()
        file = nil
        unlink(path)
    }
}

/// What `ParquetWriter.close()` wrote.
public struct ParquetFileSummary: Sendable, Equatable {
    public var path: String
    public var rowCount: Int
    public var rowGroupCount: Int
    public var byteCount: Int
    /// Per column, over every row group: nulls, smallest and largest value (as in the footer).
    public var columns: [ParquetColumnSummary] = []
}

/// A column's statistics over a whole file.
public struct ParquetColumnSummary: Sendable, Equatable {
    public enum Bound: Sendable, Equatable, Comparable {
        case integer(Int64)
        case double(Double)
        case string(String)

        public static func < (left: Bound, right: Bound) -> Bool {
            switch (left, right) {
            case (.integer(let a), .integer(let b)): a < b
            case (.double(let a), .double(let b)): a < b
            // Byte-wise unsigned order of UTF-8, as the footer's statistics.
            case (.string(let a), .string(let b)): Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
            default: false
            }
        }
    }

    public var field: ParquetField
    public var nullCount: Int
    /// Nil when the column has no value (all null) or, for doubles, only NaN.
    public var min: Bound?
    public var max: Bound?
}
